package io.registrygc.plan;

import static org.assertj.core.api.Assertions.assertThat;

import io.registrygc.plan.PlanItem.Action;
import io.registrygc.plan.PlanItem.Phase;
import io.registrygc.storage.Digest;
import io.registrygc.storage.FileSystemDriver;
import io.registrygc.storage.RegistryPaths;
import io.registrygc.storage.StorageDeleter;
import io.registrygc.storage.StorageReader;
import io.registrygc.testsupport.StorageWriter;
import io.registrygc.storage.StorageDriver;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * While the registry takes pushes, a chunk hands the content of every blob it is about to delete that can be a
 * manifest (JSON, no larger than a manifest may be) to the keeper first, and only then deletes.
 */
class PlanExecutorTest {

    @TempDir
    Path root;

    @Test
    void theContentOfEveryJsonBlobIsKeptBeforeItsDataGoesAndNothingElse() throws Exception {
        StorageWriter storage = new StorageWriter(root);
        byte[] manifestBytes = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\"}"
                .getBytes(StandardCharsets.UTF_8);
        Digest manifest = storage.blob(manifestBytes);
        byte[] indentedBytes = "\n  {\"schemaVersion\":2}".getBytes(StandardCharsets.UTF_8);
        Digest indented = storage.blob(indentedBytes);
        Digest layer = storage.blob(new byte[] {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, '{'});
        Digest drifted = storage.blob("{\"kept\":\"a manifest pushed during the run holds it\"}");
        Digest large = storage.blob("{\"size\":\"the scan found it larger than a manifest may be\"}");
        // past what is read whole at once: first a few bytes, then the whole when they are JSON
        byte[] bigBytes = ("{\"pad\":\"" + "x".repeat(70_000) + "\"}").getBytes(StandardCharsets.UTF_8);
        Digest big = storage.blob(bigBytes);
        byte[] bigLayer = new byte[70_000];
        bigLayer[0] = 0x1f;
        Digest bigBinary = storage.blob(bigLayer);

        List<Map<Digest, byte[]>> kept = new ArrayList<>();
        List<Boolean> dataThereWhenKept = new ArrayList<>();
        FileSystemDriver files = new FileSystemDriver(root);
        PlanExecutor executor = new PlanExecutor(new StorageReader(files), new StorageDeleter(files),
                manifests -> Map.of(), contents -> {
                    kept.add(new LinkedHashMap<>(contents));
                    dataThereWhenKept.add(contents.keySet().stream().allMatch(d -> files.file(
                            RegistryPaths.LAYOUT.blobData(d)).toFile().exists()));
                }, Instant.now().plusSeconds(60), false);

        List<ExecutedItem> done = executor.carryOut(List.of(blob(1, manifest, manifestBytes.length),
                blob(2, indented, indentedBytes.length), blob(3, layer, 11),
                blob(4, drifted, 60).withDrift("changed since the plan: a manifest holds it"),
                blob(5, large, StorageReader.MAX_MANIFEST_BYTES + 1L), blob(6, big, bigBytes.length),
                blob(7, bigBinary, bigLayer.length)));

        assertThat(kept).as("one call, before the chunk deleted anything").hasSize(1);
        assertThat(dataThereWhenKept).containsExactly(true);
        assertThat(kept.get(0).keySet()).containsExactly(manifest, indented, big);
        assertThat(kept.get(0).get(big)).isEqualTo(bigBytes);
        assertThat(kept.get(0).get(manifest)).isEqualTo(manifestBytes);
        assertThat(kept.get(0).get(indented)).isEqualTo(indentedBytes);
        assertThat(done).extracting(ExecutedItem::outcome).containsExactly(Outcome.DELETED, Outcome.DELETED,
                Outcome.DELETED, Outcome.DRIFTED, Outcome.DELETED, Outcome.DELETED, Outcome.DELETED);
    }

    @Test
    void nothingIsKeptWhenTheRegistryIsOfflineOrInADryRun() throws Exception {
        StorageWriter storage = new StorageWriter(root);
        Digest manifest = storage.blob("{\"schemaVersion\":2}");
        FileSystemDriver files = new FileSystemDriver(root);
        List<Map<Digest, byte[]>> kept = new ArrayList<>();
        PlanExecutor dryRun = new PlanExecutor(new StorageReader(files), new StorageDeleter(files), manifests -> Map.of(),
                kept::add, Instant.now().plusSeconds(60), true);

        assertThat(dryRun.carryOut(List.of(blob(1, manifest, 19)))).extracting(ExecutedItem::outcome)
                .containsExactly(Outcome.PLANNED);
        assertThat(kept).isEmpty();

        PlanExecutor offline = new PlanExecutor(new StorageReader(files), new StorageDeleter(files), manifests -> Map.of(),
                PlanExecutor.ContentKeeper.NONE, Instant.now().plusSeconds(60), false);
        assertThat(offline.carryOut(List.of(blob(1, manifest, 19)))).extracting(ExecutedItem::outcome)
                .containsExactly(Outcome.DELETED);
    }

    private static PlanItem blob(long seq, Digest digest, long bytes) {
        return new PlanItem(seq, Phase.BLOBS, Action.DELETE_BLOB, null, null, digest.toString(), bytes,
                "no kept manifest references it");
    }

    /**
     * On an object store a chunk's deletions go together at its end. While the registry takes pushes, a manifest's
     * revision (and a tag, a repository) goes right after its check instead: a push of that manifest between the
     * check and the chunk's end would otherwise lose its revision, unseen by any look. Offline, they wait for the end.
     */
    @Test
    void whileTheRegistryTakesPushesAManifestGoesRightAfterItsCheckAndNotAtTheChunksEnd() throws Exception {
        StorageWriter storage = new StorageWriter(root);
        Digest first = storage.blob("{\"schemaVersion\":2,\"n\":1}");
        Digest second = storage.blob("{\"schemaVersion\":2,\"n\":2}");
        List<PlanItem> manifests = List.of(manifest(1, first), manifest(2, second));

        List<String> online = new ArrayList<>();
        storage.revision("team/app", first);
        storage.revision("team/app", second);
        executor(batchingLikeAnObjectStore(online), contents -> { }).carryOut(manifests);
        assertThat(online).containsExactly("look at team/app@" + first.hex(), "delete team/app@" + first.hex(),
                "look at team/app@" + second.hex(), "delete team/app@" + second.hex());

        List<String> offline = new ArrayList<>();
        storage.revision("team/app", first);
        storage.revision("team/app", second);
        executor(batchingLikeAnObjectStore(offline), PlanExecutor.ContentKeeper.NONE).carryOut(manifests);
        assertThat(offline).containsExactly("look at team/app@" + first.hex(), "look at team/app@" + second.hex(),
                "delete team/app@" + first.hex(), "delete team/app@" + second.hex());
        assertThat(new FileSystemDriver(root).file(RegistryPaths.LAYOUT.revisionFolder("team/app", second))).doesNotExist();
    }

    private static PlanExecutor executor(StorageDriver driver, PlanExecutor.ContentKeeper keeper) {
        return new PlanExecutor(new StorageReader(driver), new StorageDeleter(driver), manifests -> Map.of(), keeper,
                Instant.now().plusSeconds(60), false);
    }

    /** The filesystem, but its batched deletions wait for the commit, as an object store's do; records revisions' fate. */
    private StorageDriver batchingLikeAnObjectStore(List<String> events) {
        FileSystemDriver files = new FileSystemDriver(root);
        StorageDriver.Deletions atCommit = new StorageDriver.Deletions() {
            private final List<String[]> queued = new ArrayList<>();

            @Override
            public StorageDriver.Removal deleteFolder(String folder, String mainFile) {
                queued.add(new String[] {folder, mainFile});
                return StorageDriver.Removal.FOLDER_AND_MAIN_FILE;
            }

            @Override
            public void commit() throws IOException {
                for (String[] folder : queued) {
                    events.add("delete " + revision(folder[0]));
                    files.deleteFolder(folder[0], folder[1]);
                }
            }
        };
        return (StorageDriver) Proxy.newProxyInstance(StorageDriver.class.getClassLoader(),
                new Class<?>[] {StorageDriver.class}, (proxy, method, arguments) -> {
                    if (method.getName().equals("deletions")) {
                        return atCommit;
                    }
                    if (method.getName().equals("stat") && ((String) arguments[0]).contains("/revisions/")) {
                        events.add("look at " + revision((String) arguments[0]));
                    } else if (method.getName().equals("deleteFolder")) {
                        events.add("delete " + revision((String) arguments[0]));
                    }
                    try {
                        return method.invoke(files, arguments);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    /** {@code team/app@<hex>} of a key in a revision's folder. */
    private static String revision(String key) {
        String[] parts = key.split("/_manifests/revisions/sha256/");
        return parts[0].substring(parts[0].lastIndexOf("/repositories/") + "/repositories/".length()) + "@"
                + parts[1].split("/")[0];
    }

    private static PlanItem manifest(long seq, Digest digest) {
        return new PlanItem(seq, Phase.MANIFESTS, Action.DELETE_MANIFEST, "team/app", null, digest.toString(), 0,
                "untagged");
    }
}
