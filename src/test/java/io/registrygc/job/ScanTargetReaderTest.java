package io.registrygc.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.registrygc.scan.ScanRange;
import io.registrygc.scan.ScanTarget;
import io.registrygc.storage.Digest;
import io.registrygc.storage.FileSystemDriver;
import io.registrygc.storage.StorageReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.batch.infrastructure.item.ExecutionContext;

/** A blob shard is read in batches of bounded size, and a restarted partition goes on after its last batch. */
class ScanTargetReaderTest {

    private static final int BLOBS_IN_SHARD = 2 * ScanTarget.Shard.MAX_BLOBS + 500;

    @TempDir
    static Path root;

    private static StorageReader storage;
    private static final TreeSet<String> shardA = new TreeSet<>();
    private static final TreeSet<String> shardB = new TreeSet<>();

    @BeforeAll
    static void storageWithTwoLargeShards() throws Exception {
        // shard a0 gets 2,500 folders; shard b0 about as many
        for (int i = 0; shardA.size() < BLOBS_IN_SHARD; i++) {
            Digest digest = Digest.sha256(("blob " + i).getBytes(StandardCharsets.UTF_8));
            String prefix = digest.hex().substring(0, 2);
            if (prefix.equals("a0") || prefix.equals("b0")) {
                Path folder = Files.createDirectories(root.resolve("docker/registry/v2/blobs/sha256").resolve(prefix)
                        .resolve(digest.hex()));
                Files.writeString(folder.resolve("data"), "blob " + i);
                (prefix.equals("a0") ? shardA : shardB).add(digest.hex());
            }
        }
        Files.createDirectories(root.resolve("docker/registry/v2/repositories"));
        storage = new StorageReader(new FileSystemDriver(root));
    }

    @Test
    void aLargeShardIsReadInBatchesThatTogetherHoldEveryFolderOnce() {
        List<ScanTarget> targets = readAll(new ExecutionContext());

        List<ScanTarget.Shard> batchesOfA = batches(targets, "sha256/a0");
        assertThat(batchesOfA).extracting(b -> b.names().size())
                .containsExactly(ScanTarget.Shard.MAX_BLOBS, ScanTarget.Shard.MAX_BLOBS, 500);
        assertThat(names(batchesOfA)).isEqualTo(List.copyOf(shardA));
        assertThat(batches(targets, "sha256/b0")).allMatch(b -> b.names().size() <= ScanTarget.Shard.MAX_BLOBS);
        assertThat(names(batches(targets, "sha256/b0"))).isEqualTo(List.copyOf(shardB));
        assertThat(targets.get(targets.size() - 1)).isInstanceOf(ScanTarget.End.class);
    }

    @Test
    void aRestartedPartitionGoesOnAfterItsLastBatch() {
        ExecutionContext context = new ExecutionContext();
        ScanTargetReader reader = new ScanTargetReader(storage, new ScanRange.Shards("sha256/a0", "sha256/b0"));
        reader.open(context);
        ScanTarget first = reader.read();
        reader.update(context);

        List<ScanTarget> rest = readAll(context);

        List<String> seen = new ArrayList<>(((ScanTarget.Shard) first).names());
        batches(rest, "sha256/a0").forEach(b -> seen.addAll(b.names()));
        assertThat(seen).isEqualTo(List.copyOf(shardA));
        assertThat(names(batches(rest, "sha256/b0"))).isEqualTo(List.copyOf(shardB));
    }

    @Test
    void aCheckpointOfAWholeShardFromAnEarlierVersionSkipsThatShard() {
        ExecutionContext context = new ExecutionContext();
        context.putString(ScanTargetReader.LAST_KEY, "blobs/sha256/a0");

        List<ScanTarget> targets = readAll(context);

        assertThat(batches(targets, "sha256/a0")).isEmpty();
        assertThat(names(batches(targets, "sha256/b0"))).isEqualTo(List.copyOf(shardB));
    }

    private List<ScanTarget> readAll(ExecutionContext context) {
        ScanTargetReader reader = new ScanTargetReader(storage, new ScanRange.Shards("sha256/a0", "sha256/b0"));
        reader.open(context);
        List<ScanTarget> targets = new ArrayList<>();
        for (ScanTarget target = reader.read(); target != null; target = reader.read()) {
            targets.add(target);
        }
        return targets;
    }

    private static List<String> names(List<ScanTarget.Shard> batches) {
        return batches.stream().flatMap(b -> b.names().stream()).toList();
    }

    private static List<ScanTarget.Shard> batches(List<ScanTarget> targets, String shard) {
        return targets.stream().filter(t -> t instanceof ScanTarget.Shard s && s.shard().key().equals(shard))
                .map(ScanTarget.Shard.class::cast).toList();
    }
}
