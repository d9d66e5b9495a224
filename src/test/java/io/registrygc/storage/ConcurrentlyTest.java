package io.registrygc.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
    void problemsReportedFromTheThreadsReachTheCallerInTheItemsOrder() throws IOException {
        List<Integer> items = IntStream.range(0, 500).boxed().toList();
        Set<Long> workers = ConcurrentHashMap.newKeySet();
        List<String> problems = new ArrayList<>();
        Set<Long> reportedOn = new HashSet<>();
        CountDownLatch twoAtOnce = new CountDownLatch(2);

        List<Integer> results = Concurrently.mapInRuns(items, 8, (String problem) -> {
            reportedOn.add(Thread.currentThread().getId());
            problems.add(problem);
        }, (item, report) -> {
            if (workers.add(Thread.currentThread().getId())) {
                // each worker's first item waits for a second worker: the runs go at once, whatever the timing
                twoAtOnce.countDown();
                try {
                    assertThat(twoAtOnce.await(10, TimeUnit.SECONDS)).as("a second worker at the same time").isTrue();
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
            }
            if (item % 7 == 0) {
                report.accept(item + " is a multiple of 7");
            }
            if (item % 35 == 0) {
                report.accept(item + " is a multiple of 35");
            }
            return -item;
        });

        assertThat(results).isEqualTo(items.stream().map(item -> -item).toList());
        List<String> expected = new ArrayList<>();
        for (int item : items) {
            if (item % 7 == 0) {
                expected.add(item + " is a multiple of 7");
            }
            if (item % 35 == 0) {
                expected.add(item + " is a multiple of 35");
            }
        }
        assertThat(problems).containsExactlyElementsOf(expected);
        assertThat(reportedOn).containsExactly(Thread.currentThread().getId());
        assertThat(workers).hasSizeGreaterThan(1).doesNotContain(Thread.currentThread().getId());
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

    @Test
    void anItemStartsAsSoonAsOneInFlightEndsSoASlowItemHoldsBackNoOther() throws IOException {
        List<Integer> items = IntStream.range(0, 10).boxed().toList();
        CountDownLatch zeroInFlight = new CountDownLatch(1);
        CountDownLatch othersDone = new CountDownLatch(items.size() - 1);
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger mostInFlight = new AtomicInteger();

        List<Integer> results = Concurrently.map(items, 2, item -> {
            mostInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            try {
                if (item == 0) {
                    zeroInFlight.countDown();
                    // in waves of two, the other items would wait for this one, and this one for them
                    assertThat(othersDone.await(10, TimeUnit.SECONDS)).as("the other nine ended meanwhile").isTrue();
                } else {
                    // item 0's thread may start after the others ended: then two were never in flight at once
                    assertThat(zeroInFlight.await(10, TimeUnit.SECONDS)).as("item 0 in flight").isTrue();
                    othersDone.countDown();
                }
            } catch (InterruptedException e) {
                throw new IOException(e);
            } finally {
                inFlight.decrementAndGet();
            }
            return item * 3;
        });

        assertThat(results).isEqualTo(items.stream().map(item -> item * 3).toList());
        assertThat(mostInFlight).hasValue(2);
    }

    @Test
    void afterAFailureNoItemStartsAndTheFirstFailureInTheItemsOrderIsThrown() {
        List<Integer> items = IntStream.range(0, 100).boxed().toList();
        CountDownLatch fiveFailed = new CountDownLatch(1);
        Set<Integer> started = ConcurrentHashMap.newKeySet();

        // two in flight: items 4 and 5 hold both places until each has failed, so no item after them may start
        assertThatThrownBy(() -> Concurrently.map(items, 2, item -> {
            started.add(item);
            if (item == 5) {
                fiveFailed.countDown();
                throw new IOException("item 5 cannot be deleted");
            }
            if (item == 4) {
                // item 4 ends only after item 5 failed: item 5's failure is the first to end
                try {
                    assertThat(fiveFailed.await(10, TimeUnit.SECONDS)).isTrue();
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
                throw new IOException("item 4 cannot be deleted");
            }
            return item;
        })).isInstanceOf(IOException.class).hasMessage("item 4 cannot be deleted");
        assertThat(started).containsExactlyInAnyOrderElementsOf(IntStream.rangeClosed(0, 5).boxed().toList());
    }
}
