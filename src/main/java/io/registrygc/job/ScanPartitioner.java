package io.registrygc.job;

import io.registrygc.scan.ScanRange;
import io.registrygc.scan.ScanStateStore;
import io.registrygc.storage.BlobShard;
import io.registrygc.storage.StorageReader;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.springframework.batch.core.partition.PartitionNameProvider;
import org.springframework.batch.core.partition.Partitioner;
import org.springframework.batch.infrastructure.item.ExecutionContext;

/**
 * Splits the scan into partitions: contiguous runs of blob shards and of repositories in walk order, at most sixteen
 * of each; a run with nothing in it gets no partition, and a small registry's blobs are listed by fewer runs (each
 * partition costs a step execution and its commits). The names of the split are recorded in the scan step's own
 * context before its partitions are, so that a restarted scan finds its partitions by name and redoes only the
 * unfinished ones.
 * Splitting is the start of a scan from the beginning, so it first forgets what an earlier attempt stored.
 */
class ScanPartitioner implements Partitioner, PartitionNameProvider {

    static final int SHARD_PARTITIONS = 16;
    static final int REPOSITORY_PARTITIONS = 16;
    /** Blob shard folders (of 256) per partition of the blob listing, at the least. */
    static final int SHARDS_PER_PARTITION = 16;

    private static final String RANGE = "scan.range";
    private static final String FIRST = "scan.first";
    private static final String AFTER = "scan.after";
    private static final String LAST = "scan.last";

    /** In the scan step's context: the names of the partitions its split made, comma-separated. */
    private static final String SPLIT = "scan.split";

    private final StorageReader storage;
    private final ScanStateStore store;
    private final long runId;
    private final int threads;
    private final ExecutionContext scanStep;
    private final Runnable recordScanStep;

    /**
     * {@code threads}: how many walks list the repositories at once; {@code scanStep}: the context of the scan step
     * (the partitions' manager), stored by {@code recordScanStep}.
     */
    ScanPartitioner(StorageReader storage, ScanStateStore store, long runId, int threads, ExecutionContext scanStep,
            Runnable recordScanStep) {
        this.storage = storage;
        this.store = store;
        this.runId = runId;
        this.threads = threads;
        this.scanStep = scanStep;
        this.recordScanStep = recordScanStep;
    }

    @Override
    public Collection<String> getPartitionNames(int gridSize) {
        return splitNames(scanStep);
    }

    /**
     * The partitions of a run's scan, read from the scan step's context: those its split recorded, or every possible
     * name where the split was interrupted before it recorded them (or was made before splits were recorded), so
     * that a missing partition shows as one without a range.
     */
    static List<String> splitNames(ExecutionContext scanStep) {
        return scanStep.containsKey(SPLIT) ? List.of(scanStep.getString(SPLIT).split(",")) : allNames();
    }

    private static List<String> allNames() {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < SHARD_PARTITIONS; i++) {
            names.add(name("blobs", i));
        }
        for (int i = 0; i < REPOSITORY_PARTITIONS; i++) {
            names.add(name("repositories", i));
        }
        return names;
    }

    @Override
    public Map<String, ExecutionContext> partition(int gridSize) {
        store.clearScan(runId);
        // what this listing cannot read, the partitions' own walks meet again and report
        List<BlobShard> shards = storage.blobShards(problem -> { });
        List<String> repositories = storage.allRepositories(threads, problem -> { });
        Map<String, ExecutionContext> partitions = new LinkedHashMap<>();
        int shardPartitions = shardPartitions(shards.size());
        List<ScanRange> shardRanges = ScanRange.splitShards(shards, shardPartitions);
        for (int i = 0; i < shardPartitions; i++) {
            if (!(shardRanges.get(i) instanceof ScanRange.Empty)) {
                partitions.put(name("blobs", i), context(shardRanges.get(i)));
            }
        }
        // the last repository range is open-ended (it takes what appears after the walk): never empty
        List<ScanRange> repositoryRanges = ScanRange.splitRepositories(repositories, REPOSITORY_PARTITIONS);
        for (int i = 0; i < REPOSITORY_PARTITIONS; i++) {
            if (!(repositoryRanges.get(i) instanceof ScanRange.Empty)) {
                partitions.put(name("repositories", i), context(repositoryRanges.get(i)));
            }
        }
        scanStep.putString(SPLIT, String.join(",", partitions.keySet()));
        recordScanStep.run();
        return partitions;
    }

    /**
     * A partition per sixteen shard folders, at most sixteen: a registry of a few hundred blobs (most shards absent or
     * holding one blob) is listed by a few walks rather than sixteen, each a step execution with its commits; from
     * about a thousand blobs on nearly all 256 shards exist and the listing gets all sixteen.
     */
    static int shardPartitions(int shardFolders) {
        return Math.max(1, Math.min(SHARD_PARTITIONS, shardFolders / SHARDS_PER_PARTITION));
    }

    private static String name(String kind, int index) {
        return String.format(Locale.ROOT, "%s-%02d", kind, index);
    }

    static ExecutionContext context(ScanRange range) {
        ExecutionContext context = new ExecutionContext();
        if (range instanceof ScanRange.Shards shards) {
            context.putString(RANGE, "shards");
            context.putString(FIRST, shards.first());
            context.putString(LAST, shards.last());
        } else if (range instanceof ScanRange.Repositories repositories) {
            context.putString(RANGE, "repositories");
            if (repositories.after() != null) {
                context.putString(AFTER, repositories.after());
            }
            if (repositories.last() != null) {
                context.putString(LAST, repositories.last());
            }
        } else {
            context.putString(RANGE, "empty");
        }
        return context;
    }

    /** Whether a partition's context was recorded with its range (not when the split was interrupted). */
    static boolean hasRange(ExecutionContext context) {
        return context.containsKey(RANGE);
    }

    /** The range a partition's context names. */
    static ScanRange range(ExecutionContext context) {
        if (!context.containsKey(RANGE)) {
            // only when the process died between recording the split and storing the partitions
            throw new IllegalStateException("scan partition without a range: the scan's split was interrupted; "
                    + "rerun the same command (a new run starts)");
        }
        return switch (context.getString(RANGE)) {
            case "shards" -> new ScanRange.Shards(context.getString(FIRST), context.getString(LAST));
            case "repositories" -> new ScanRange.Repositories(context.getString(AFTER, null), context.getString(LAST, null));
            default -> new ScanRange.Empty();
        };
    }
}
