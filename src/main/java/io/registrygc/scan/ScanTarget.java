package io.registrygc.scan;

import io.registrygc.storage.BlobShard;
import io.registrygc.storage.StorageProblem;
import java.util.List;

/**
 * One unit of scan work: a batch of a blob shard's folders, or a repository. Targets come in a fixed order (blobs, then
 * repositories in walk order, then the end), and {@link #key()} says where a restarted scan picks up.
 */
public sealed interface ScanTarget {

    String key();

    /**
     * Up to {@link #MAX_BLOBS} blob folders of one shard, in name order: a chunk holds a bounded number of blobs
     * however large the registry (a shard of a million-blob registry holds about 4,000).
     */
    record Shard(BlobShard shard, List<String> names) implements ScanTarget {
        public static final int MAX_BLOBS = 1000;

        public Shard {
            if (names.isEmpty()) {
                throw new IllegalArgumentException("a batch of blobs names at least one");
            }
            names = List.copyOf(names);
        }

        /** {@code blobs/<algorithm>/<xx>/<last name of the batch>}. */
        @Override
        public String key() {
            return "blobs/" + shard.key() + "/" + names.get(names.size() - 1);
        }
    }

    /** {@code walkProblems}: what the walk could not read on its way to this repository. */
    record Repository(String name, List<StorageProblem> walkProblems) implements ScanTarget {
        @Override
        public String key() {
            return "repositories/" + name;
        }
    }

    /**
     * The end of the scan, with the problems the walk met after the last repository: once it is stored,
     * everything is known and the run's plan is computed.
     */
    record End(List<StorageProblem> problems) implements ScanTarget {
        public static final String KEY = "end";

        @Override
        public String key() {
            return KEY;
        }
    }
}
