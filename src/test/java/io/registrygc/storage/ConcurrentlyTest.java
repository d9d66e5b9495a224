package io.registrygc.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ConcurrentlyTest {

    @Test
    void runsOfItemsGoToTheStorageThreadsAndTheResultsKeepTheItemsOrder() throws IOException {
        List<Integer> items = IntStream.range(0, 1003).boxed().toList();
        Set<Long> threads = ConcurrentHashMap.newKeySet();

        List<Integer> doubled = Concurrently.mapInRuns(items, 16, item -> {
            threads.add(Thread.currentThread().getId());
            return item * 2;
        });

        assertThat(doubled).isEqualTo(items.stream().map(item -> item * 2).toList());
        assertThat(threads).as("at most one thread per run").hasSizeBetween(1, 16)
                .doesNotContain(Thread.currentThread().getId());
    }

    @Test
    void fewerItemsThanThreadsAndNoItemsAtAll() throws IOException {
        assertThat(Concurrently.mapInRuns(List.of(1, 2, 3), 16, item -> item + 1)).containsExactly(2, 3, 4);
        assertThat(Concurrently.mapInRuns(List.<Integer>of(), 16, item -> item + 1)).isEmpty();
    }

    @Test
    void aFailureOfAnyItemIsThrown() {
        List<Integer> items = IntStream.range(0, 100).boxed().toList();

        assertThatThrownBy(() -> Concurrently.mapInRuns(items, 4, item -> {
            if (item == 77) {
                throw new IOException("item 77 cannot be read");
            }
            return item;
        })).isInstanceOf(IOException.class).hasMessage("item 77 cannot be read");
    }
}
