package io.registrygc.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.registrygc.e2e.support.E2eDirs;
import io.registrygc.e2e.support.GcResult;
import io.registrygc.e2e.support.RegistryServer;
import io.registrygc.e2e.support.StorageSnapshot;
import io.registrygc.storage.Digest;
import io.registrygc.testsupport.Gc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The benchmark's storages at their smallest size, as a correctness check against the reference GC (not a
 * timing): on every shape both collectors leave the same blobs, but for {@code --delete-untagged} on multi-arch
 * images, where the reference GC deletes the children of tagged indexes and registry-gc keeps them.
 */
class BenchmarkShapesIT {

    private static final int BLOBS = 3000;

    @ParameterizedTest
    @ValueSource(strings = {"many-small", "uniform", "few-huge", "multi-arch"})
    void registryGcLeavesTheBlobsTheReferenceGcLeaves(String shape) throws Exception {
        RegistryServer.requireRegistry();
        Path work = E2eDirs.newWorkDir("bench-" + shape);
        Path pristine = work.resolve("pristine");
        makeStorage(pristine, shape);
        for (boolean deleteUntagged : new boolean[] {false, true}) {
            String mode = deleteUntagged ? "untagged" : "orphans";
            Path theirs = work.resolve("reference-" + mode);
            Path ours = work.resolve("registry-gc-" + mode);
            StorageSnapshot.copyTree(pristine, theirs);
            StorageSnapshot.copyTree(pristine, ours);

            GcResult reference = RegistryServer.garbageCollect(config(work, theirs), false, deleteUntagged);
            assertThat(reference.exitCode()).as(reference.output()).isZero();
            List<String> args = new ArrayList<>(List.of("--min-age", "0"));
            if (deleteUntagged) {
                args.add("--delete-untagged");
            }
            Gc.Result result = Gc.run(ours, args.toArray(String[]::new));
            assertThat(result.exitCode()).as(result.toString()).isZero();

            Set<Digest> left = StorageSnapshot.blobDigests(ours);
            Set<Digest> referenceLeft = StorageSnapshot.blobDigests(theirs);
            assertThat(left).as("%s, %s: something was collected", shape, mode).hasSizeLessThan(StorageSnapshot.blobDigests(pristine).size());
            if (deleteUntagged && shape.equals("multi-arch")) {
                assertThat(left).as("registry-gc keeps what the reference keeps, and the children of tagged indexes")
                        .containsAll(referenceLeft).hasSizeGreaterThan(referenceLeft.size());
            } else {
                assertThat(left).as("%s, %s: the same blobs as the reference GC", shape, mode).isEqualTo(referenceLeft);
            }
        }
    }

    /** {@code bench/make-storage.py}: Python 3 is needed; without it the test is skipped, except in CI. */
    private static void makeStorage(Path root, String shape) throws Exception {
        Process python;
        try {
            python = new ProcessBuilder("python3", "bench/make-storage.py", root.toString(), shape, Integer.toString(BLOBS))
                    .redirectErrorStream(true).start();
        } catch (java.io.IOException missing) {
            boolean required = "true".equalsIgnoreCase(System.getenv("CI"))
                    || "true".equalsIgnoreCase(System.getenv("REGISTRY_GC_REQUIRE_E2E"));
            if (required) {
                throw new IllegalStateException("python3 is needed for bench/make-storage.py", missing);
            }
            Assumptions.abort("python3 is not installed: benchmark shapes skipped");
            return;
        }
        String output = new String(python.getInputStream().readAllBytes());
        assertThat(python.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(python.exitValue()).as(output).isZero();
    }

    private static Path config(Path work, Path storageRoot) throws Exception {
        Path config = work.resolve(storageRoot.getFileName() + ".yml");
        Files.writeString(config, """
                version: 0.1
                log: {level: error}
                storage:
                  filesystem: {rootdirectory: %s}
                  delete: {enabled: true}
                http: {addr: 127.0.0.1:0}
                """.formatted(storageRoot.toAbsolutePath()));
        return config;
    }
}
