package io.registrygc.scan;

import io.registrygc.storage.BlobShard;
import io.registrygc.storage.StorageProblem;
import java.util.List;

/**
 * One unit of scan work: a blob shard or a repository. Targets come in a fixed order (blob shards, then
 * repositories in walk order, then the end), and {@link #key()} says where a restarted scan picks up.
 */
public sealed interface ScanTarget {

    String key();

    record Shard(BlobShard shard) implements ScanTarget {
        @Override
        public String key() {
            return "blobs/" + shard.key();
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
