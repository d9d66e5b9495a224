package io.registrygc.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.registrygc.e2e.support.E2eDirs;
import io.registrygc.e2e.support.Image;
import io.registrygc.e2e.support.ImageFactory;
import io.registrygc.e2e.support.JarProcess;
import io.registrygc.e2e.support.RegistryClient;
import io.registrygc.e2e.support.RegistryServer;
import io.registrygc.e2e.support.StorageSnapshot;
import io.registrygc.storage.Digest;
import io.registrygc.testsupport.Gc;
import io.registrygc.testsupport.StorageWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The database's disk fills up during a run (its own embedded PostgreSQL, on a small tmpfs mounted for the test):
 * the run fails with exit 1 and says why, nothing is lost, and once there is room the same command resumes and
 * finishes with the storage an uninterrupted run leaves. Needs root (mount); skipped elsewhere.
 */
class DatabaseDiskFullIT {

    @Test
    void aFullDatabaseDiskFailsTheRunAndTheRerunFinishes() throws Exception {
        RegistryServer.requireRegistry();
        Path work = E2eDirs.newWorkDir("db-disk-full");
        Path disk = Files.createDirectories(work.resolve("db-disk"));
        Assumptions.assumeTrue(run(List.of("mount", "-t", "tmpfs", "-o", "size=200M", "tmpfs", disk.toString())) == 0,
                "cannot mount a tmpfs here (not root)");
        try {
            Path storage = work.resolve("storage");
            Image kept;
            try (RegistryServer server = RegistryServer.start(storage)) {
                kept = new ImageFactory(new RegistryClient(server), 5L).dockerImage("keep/me", "1");
            }
            StorageWriter writer = new StorageWriter(storage);
            for (int i = 0; i < 4000; i++) {
                byte[] content = new byte[64];
                ThreadLocalRandom.current().nextBytes(content);
                writer.blob(content);
            }
            Path twin = work.resolve("uninterrupted");
            StorageSnapshot.copyTree(storage, twin);

            // a first run (on a storage of one blob) creates the database on the small disk, then the disk is filled
            Path small = work.resolve("small");
            new StorageWriter(small).blob("one orphan");
            JarProcess first = runOn(small, disk);
            assertThat(first.process().exitValue()).as(first.output()).isZero();
            // the disk fills up once the run has started (deletions one by one leave time to do it)
            JarProcess full = JarProcess.start(storage.getParent(), List.of("-Dregistry-gc.delete.chunk-size=1"),
                    Map.of("SPRING_DATASOURCE_URL", ""), "run", "--storage-root", storage.toString(), "--min-age", "0",
                    "--database-dir", disk.toString());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (!full.stderr().contains("(job execution ") && full.process().isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            fill(disk, 64 * 1024);
            assertThat(full.process().waitFor(300, TimeUnit.SECONDS)).isTrue();
            System.out.println("the run on a full disk:\n" + full.output());
            assertThat(full.process().exitValue()).as(full.output()).isEqualTo(1);
            assertThat(full.stderr()).containsAnyOf("could not extend file", "No space left on device", "PANIC",
                    "terminating connection").contains("Rerun the same command to resume it");

            Files.delete(disk.resolve("filler"));
            JarProcess rerun = runOn(storage, disk);
            assertThat(rerun.process().exitValue()).as(rerun.output()).isZero();
            // a run whose failure could be recorded resumes; one whose database failed while it recorded it is
            // abandoned and a new run scans again (its checkpoints cannot be trusted)
            assertThat(rerun.stderr()).containsAnyOf("resuming job execution", "a new run starts from a fresh scan");

            Gc.Result uninterrupted = Gc.run(twin, "--min-age", "0");
            assertThat(uninterrupted.exitCode()).as(uninterrupted.toString()).isZero();
            assertThat(StorageSnapshot.blobDigests(storage)).isEqualTo(StorageSnapshot.blobDigests(twin));
            List<Digest> expected = new ArrayList<>(kept.allBlobs());
            assertThat(StorageSnapshot.blobDigests(storage)).containsExactlyInAnyOrderElementsOf(expected);
        } finally {
            run(List.of("umount", "-l", disk.toString()));
        }
    }

    /** A run with its own embedded PostgreSQL in {@code databaseDir}. */
    private static JarProcess runOn(Path storage, Path databaseDir) throws Exception {
        JarProcess run = JarProcess.start(storage.getParent(), List.of(), Map.of("SPRING_DATASOURCE_URL", ""),
                "run", "--storage-root", storage.toString(), "--min-age", "0", "--database-dir", databaseDir.toString());
        assertThat(run.process().waitFor(300, TimeUnit.SECONDS)).isTrue();
        return run;
    }

    /**
     * Writes real bytes (tmpfs does not reserve sparse space) until only {@code leave} bytes are free. The run writes
     * to the same disk meanwhile: when it took the last bytes first, the disk is full, which is what was wanted.
     */
    private static void fill(Path disk, long leave) throws IOException {
        FileStore store = Files.getFileStore(disk);
        long toWrite = store.getUsableSpace() - leave;
        byte[] block = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(disk.resolve("filler"))) {
            for (long written = 0; written < toWrite; written += block.length) {
                out.write(block, 0, (int) Math.min(block.length, toWrite - written));
            }
        } catch (IOException e) {
            if (store.getUsableSpace() > leave) {
                throw e;
            }
        }
    }

    private static int run(List<String> command) {
        try {
            return new ProcessBuilder(command).redirectErrorStream(true).start().waitFor();
        } catch (IOException | InterruptedException e) {
            return -1;
        }
    }
}
