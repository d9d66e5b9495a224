package io.registrygc.scan;

import static org.assertj.core.api.Assertions.assertThat;

import io.registrygc.storage.BlobShard;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ScanRangeTest {

    @Test
    void shardsAreSplitIntoContiguousRunsThatCoverEachShardOnce() {
        List<BlobShard> shards = IntStream.range(0, 256).mapToObj(i -> new BlobShard("sha256", String.format("%02x", i))).toList();
        List<ScanRange> ranges = ScanRange.splitShards(shards, 16);
        assertThat(ranges).hasSize(16).first().isEqualTo(new ScanRange.Shards("sha256/00", "sha256/0f"));
        assertThat(ranges.get(15)).isEqualTo(new ScanRange.Shards("sha256/f0", "sha256/ff"));
        for (BlobShard shard : shards) {
            assertThat(ranges.stream().filter(r -> ((ScanRange.Shards) r).contains(shard))).as(shard.key()).hasSize(1);
        }
    }

    @Test
    void fewerShardsThanPartitionsLeaveSomeEmpty() {
        List<ScanRange> ranges = ScanRange.splitShards(List.of(new BlobShard("sha256", "ab"), new BlobShard("sha256", "cd")), 16);
        assertThat(ranges.stream().filter(ScanRange.Shards.class::isInstance)).hasSize(2);
        assertThat(ranges.stream().filter(ScanRange.Empty.class::isInstance)).hasSize(14);
        assertThat(ScanRange.splitShards(List.of(), 4)).containsOnly(new ScanRange.Empty());
    }

    @Test
    void repositoriesAreSplitInWalkOrderAndTheLastRunIsOpenEnded() {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            names.add("team/app" + i);
        }
        List<ScanRange> ranges = ScanRange.splitRepositories(names, 4);
        assertThat(ranges).containsExactly(
                new ScanRange.Repositories(null, "team/app1"),
                new ScanRange.Repositories("team/app1", "team/app4"),
                new ScanRange.Repositories("team/app4", "team/app6"),
                new ScanRange.Repositories("team/app6", null));
        // no repository at all: everything the walk finds belongs to the last, open-ended run
        assertThat(ScanRange.splitRepositories(List.of(), 3))
                .containsExactly(new ScanRange.Empty(), new ScanRange.Empty(), new ScanRange.Repositories(null, null));
    }
}
