package io.registrygc.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.registrygc.run.GcSettings;
import io.registrygc.scan.ScanRange;
import io.registrygc.scan.ScanStateStore;
import io.registrygc.storage.Digest;
import io.registrygc.storage.FileSystemDriver;
import io.registrygc.storage.StorageReader;
import io.registrygc.testsupport.MigratedDatabase;
import io.registrygc.testsupport.StorageWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.batch.infrastructure.item.ExecutionContext;

/**
 * A small registry gets a partition only for the runs of shards and repositories that hold something, and a restart
 * finds exactly the partitions the first split made, by the names the split recorded in the scan step's context.
 */
class ScanPartitionerTest {

    @TempDir
    Path root;

    private long runId;

    @BeforeEach
    void run() {
        runId = MigratedDatabase.startRun(new GcSettings(root.toString(), true, false, Duration.ZERO, List.of(), Instant.now()));
    }

    @AfterEach
    void forget() {
        MigratedDatabase.forgetRun(runId);
    }

    @Test
    void aSmallRegistryGetsPartitionsOnlyForRangesThatHoldSomething() {
        StorageWriter storage = new StorageWriter(root);
        for (String repository : List.of("team/app", "team/api", "web")) {
            Digest layer = storage.blob("layer of " + repository);
            storage.layerLink(repository, layer);
        }
        ExecutionContext scanStep = new ExecutionContext();
        AtomicInteger recorded = new AtomicInteger();

        Map<String, ExecutionContext> split = partitioner(scanStep, recorded::incrementAndGet).partition(32);

        // three blobs, listed by one walk; three repositories: the last repository range is open-ended
        assertThat(split.keySet()).hasSize(4).contains("blobs-00", "repositories-15")
                .allMatch(name -> name.startsWith("blobs-") || name.startsWith("repositories-"));
        assertThat(split.keySet().stream().filter(name -> name.startsWith("repositories-"))).hasSize(3);
        assertThat(split.values()).noneMatch(context -> ScanPartitioner.range(context) instanceof ScanRange.Empty);
        assertThat(recorded).as("the split is recorded before its partitions are stored").hasValue(1);
        assertThat(ScanPartitioner.splitNames(scanStep)).containsExactlyElementsOf(split.keySet());

        // a restart: the scan step's context comes back from the job repository with the names in it
        ExecutionContext restarted = new ExecutionContext(scanStep);
        assertThat(partitioner(restarted, () -> { }).getPartitionNames(32)).containsExactlyElementsOf(split.keySet());
    }

    @Test
    void blobsAreListedByAPartitionPerSixteenShardFoldersUpToSixteen() {
        StorageWriter storage = new StorageWriter(root);
        TreeSet<String> shards = new TreeSet<>();
        for (int i = 0; shards.size() < 40; i++) {
            shards.add(storage.blob("blob " + i).hex().substring(0, 2));
        }

        Map<String, ExecutionContext> split = partitioner(new ExecutionContext(), () -> { }).partition(32);

        List<ScanRange> blobRanges = split.entrySet().stream().filter(e -> e.getKey().startsWith("blobs-"))
                .map(e -> ScanPartitioner.range(e.getValue())).toList();
        assertThat(split.keySet()).filteredOn(name -> name.startsWith("blobs-")).containsExactly("blobs-00", "blobs-01");
        // two contiguous runs that meet: together every shard folder, each in one of them
        ScanRange.Shards first = (ScanRange.Shards) blobRanges.get(0);
        ScanRange.Shards second = (ScanRange.Shards) blobRanges.get(1);
        assertThat(first.first()).endsWith(shards.first());
        assertThat(second.last()).endsWith(shards.last());
        assertThat(first.last().compareTo(second.first())).isNegative();
        assertThat(ScanPartitioner.shardPartitions(0)).isEqualTo(1);
        assertThat(ScanPartitioner.shardPartitions(31)).isEqualTo(1);
        assertThat(ScanPartitioner.shardPartitions(100)).isEqualTo(6);
        assertThat(ScanPartitioner.shardPartitions(256)).isEqualTo(ScanPartitioner.SHARD_PARTITIONS);
    }

    @Test
    void aSplitThatRecordedNoNamesNamesEveryPartitionSoThatTheMissingOnesShow() {
        List<String> all = new ArrayList<>(ScanPartitioner.splitNames(new ExecutionContext()));
        assertThat(all).hasSize(ScanPartitioner.SHARD_PARTITIONS + ScanPartitioner.REPOSITORY_PARTITIONS)
                .contains("blobs-00", "blobs-15", "repositories-00", "repositories-15");
        assertThat(partitioner(new ExecutionContext(), () -> { }).getPartitionNames(32)).isEqualTo(all);
    }

    private ScanPartitioner partitioner(ExecutionContext scanStep, Runnable record) {
        return new ScanPartitioner(new StorageReader(new FileSystemDriver(root)), new ScanStateStore(MigratedDatabase.jdbc()),
                runId, 2, scanStep, record);
    }
}
