package io.registrygc.scan;

import io.registrygc.storage.BlobShard;
import java.util.ArrayList;
import java.util.List;

/**
 * The part of the storage one scan partition reads: a run of blob shards, or a run of repositories in walk
 * order. Ranges are contiguous and together cover everything: the last repository range is open-ended, so
 * what the walk finds after the last repository known at the split (a new one, or a folder it cannot list)
 * still belongs to a partition.
 */
public sealed interface ScanRange {

    /** Shards from {@code first} to {@code last}, both included (by {@link BlobShard#key()}). */
    record Shards(String first, String last) implements ScanRange {
        public boolean contains(BlobShard shard) {
            return shard.key().compareTo(first) >= 0 && shard.key().compareTo(last) <= 0;
        }
    }

    /**
     * Repositories after {@code after} (null: from the first) up to {@code last} included (null: to the end of
     * the walk), in walk order.
     */
    record Repositories(String after, String last) implements ScanRange {
    }

    /** Nothing to read: there were fewer shards or repositories than partitions. */
    record Empty() implements ScanRange {
    }

    /** {@code count} contiguous runs of shards, in order; runs beyond the shards there are are empty. */
    static List<ScanRange> splitShards(List<BlobShard> shards, int count) {
        List<ScanRange> ranges = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int from = (int) ((long) i * shards.size() / count);
            int to = (int) ((long) (i + 1) * shards.size() / count);
            ranges.add(to > from ? new Shards(shards.get(from).key(), shards.get(to - 1).key()) : new Empty());
        }
        return ranges;
    }

    /** {@code count} contiguous runs of repositories in walk order; the last is open-ended. */
    static List<ScanRange> splitRepositories(List<String> names, int count) {
        List<ScanRange> ranges = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int from = (int) ((long) i * names.size() / count);
            int to = (int) ((long) (i + 1) * names.size() / count);
            String after = from == 0 ? null : names.get(from - 1);
            if (i == count - 1) {
                ranges.add(new Repositories(after, null));
            } else {
                ranges.add(to > from ? new Repositories(after, names.get(to - 1)) : new Empty());
            }
        }
        return ranges;
    }
}
