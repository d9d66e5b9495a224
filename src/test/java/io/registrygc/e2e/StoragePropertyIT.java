package io.registrygc.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.registrygc.RegistryGcApplication;
import io.registrygc.audit.RunReport;
import io.registrygc.e2e.support.E2eDirs;
import io.registrygc.e2e.support.StorageSnapshot;
import io.registrygc.job.GcLauncher;
import io.registrygc.job.RunOutput;
import io.registrygc.run.GcSettings;
import io.registrygc.storage.Digest;
import io.registrygc.testsupport.StorageWriter;
import io.registrygc.testsupport.TestDatabase;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The whole job against an independent model of reachability, on a few hundred random registries written in the
 * real on-disk layout ({@link StorageWriter}): random images sharing layers across repositories, indexes, referrers,
 * tags moved from one manifest to another, manifests deleted through the API, orphan blobs. After a run with
 * {@code --delete-untagged} every tagged image is complete (its manifest, config, layers, children and their blobs,
 * the layer links it needs) and no blob, manifest or layer link the model finds unreachable is left; without it,
 * only what no manifest reaches goes.
 *
 * <p>Reproduce: the series seed is printed and can be set with {@code -Dregistrygc.property.seed=N}; a failure names
 * its case, replayed alone with {@code -Dregistrygc.property.case=S}; {@code -Dregistrygc.property.cases=N} sets
 * the length (default 100 per build: the series seed differs each build, so the builds together cover far more).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StoragePropertyIT {

    private static final long SERIES_SEED = Long.getLong("registrygc.property.seed", System.nanoTime());
    private static final int CASES = Integer.getInteger("registrygc.property.cases", 100);
    private static final Long REPLAYED_CASE = Long.getLong("registrygc.property.case");

    private ConfigurableApplicationContext context;
    private GcLauncher launcher;
    private Path work;

    @BeforeAll
    void startTheJobOnce() {
        TestDatabase.get();
        System.out.println("StoragePropertyIT series seed " + SERIES_SEED + " (replay: -Dregistrygc.property.seed=" + SERIES_SEED + ")");
        context = new SpringApplicationBuilder(RegistryGcApplication.class).registerShutdownHook(false)
                .properties(Map.of("registry-gc.threads", 4, "spring.datasource.hikari.maximum-pool-size", 8,
                        "registry-gc.progress.interval-ms", 0))
                .run();
        launcher = context.getBean(GcLauncher.class);
        work = E2eDirs.newWorkDir("property");
    }

    @AfterAll
    void stop() {
        if (context != null) {
            context.close();
        }
    }

    @TestFactory
    Stream<DynamicTest> everyTaggedImageStaysWholeAndNothingUnreachableIsLeft() {
        Random series = new Random(SERIES_SEED);
        LongStream seeds = REPLAYED_CASE != null ? LongStream.of(REPLAYED_CASE)
                : LongStream.generate(series::nextLong).limit(CASES);
        return seeds.mapToObj(seed -> DynamicTest.dynamicTest("registry of seed " + seed, () -> check(seed)));
    }

    private void check(long seed) throws Exception {
        String context = "case " + seed + " (replay: -Dregistrygc.property.case=" + seed + ")";
        boolean deleteUntagged = new Random(seed).nextInt(4) != 0;
        Path root = work.resolve(Long.toUnsignedString(seed));
        Registry registry = Registry.random(new Random(seed), new StorageWriter(root));
        GcLauncher.Outcome outcome = launcher.launch(new GcSettings(root.toAbsolutePath().normalize().toString(), false,
                deleteUntagged, Duration.ZERO, List.of(), Instant.now()), false, QUIET);
        assertThat(outcome.result()).as(context + ": " + outcome.message()).isEqualTo(GcLauncher.Result.COMPLETED);

        Map<String, Set<Digest>> kept = registry.keptManifests(deleteUntagged);
        Set<Digest> expectedBlobs = new TreeSet<>();
        for (Map.Entry<String, Set<Digest>> repository : kept.entrySet()) {
            String name = repository.getKey();
            assertThat(StorageSnapshot.manifestRevisions(root, name)).as(context + ": manifests of " + name)
                    .isEqualTo(repository.getValue());
            Set<Digest> needed = new TreeSet<>();
            for (Digest manifest : repository.getValue()) {
                // a kept manifest keeps every digest it names: its blobs, its children, its subject (even one deleted
                // through the API: the referrer still names it)
                Registry.Manifest named = registry.manifests.get(manifest);
                needed.add(manifest);
                needed.addAll(named.blobs());
                needed.addAll(named.children());
                if (named.subject() != null) {
                    needed.add(named.subject());
                }
            }
            expectedBlobs.addAll(needed);
            // a needed blob keeps its link; a link no kept manifest needs is gone
            Set<Digest> expectedLinks = new TreeSet<>(registry.links.getOrDefault(name, Set.of()));
            expectedLinks.retainAll(needed);
            assertThat(StorageSnapshot.layerLinks(root, name)).as(context + ": layer links of " + name)
                    .isEqualTo(expectedLinks);
            assertThat(StorageSnapshot.tags(root, name)).as(context + ": tags of " + name)
                    .isEqualTo(registry.tags.getOrDefault(name, Map.of()));
        }
        assertThat(StorageSnapshot.blobDigests(root)).as(context + ": blobs").isEqualTo(expectedBlobs);
    }

    private static final RunOutput QUIET = new RunOutput() {
        @Override
        public void wouldDelete(String what, String reason) {
        }

        @Override
        public void summary(RunReport report) {
        }
    };

    /** A random registry, written as it is generated, and the model of it the checks use. */
    static final class Registry {
        record Manifest(Digest digest, Set<Digest> blobs, List<Digest> children, Digest subject) {
        }

        final Map<Digest, Manifest> manifests = new LinkedHashMap<>();
        /** The manifests each repository holds (revision with its link). */
        final Map<String, Set<Digest>> revisions = new TreeMap<>();
        final Map<String, Map<String, Digest>> tags = new TreeMap<>();
        final Map<String, Set<Digest>> links = new TreeMap<>();

        static Registry random(Random random, StorageWriter writer) {
            Registry registry = new Registry();
            List<Digest> sharedLayers = new ArrayList<>();
            for (int i = 0; i < 1 + random.nextInt(6); i++) {
                sharedLayers.add(writer.blob("shared layer " + random.nextLong()));
            }
            List<String> names = List.of("app", "team/app", "team/app/sub", "base", "tools/x");
            int repositories = 1 + random.nextInt(names.size());
            for (String repository : names.subList(0, repositories)) {
                registry.revisions.put(repository, new TreeSet<>());
                List<Digest> images = new ArrayList<>();
                for (int i = 0; i < 1 + random.nextInt(6); i++) {
                    Set<Digest> blobs = new TreeSet<>();
                    Digest config = writer.blob("{\"config\":" + random.nextLong() + "}");
                    blobs.add(config);
                    StringBuilder layers = new StringBuilder();
                    for (int l = 0; l < 1 + random.nextInt(3); l++) {
                        Digest layer = random.nextBoolean() && !sharedLayers.isEmpty()
                                ? sharedLayers.get(random.nextInt(sharedLayers.size()))
                                : writer.blob("layer " + random.nextLong());
                        blobs.add(layer);
                        layers.append(layers.length() == 0 ? "" : ",").append(descriptor("application/vnd.oci.image.layer.v1.tar", layer));
                    }
                    String json = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":"
                            + descriptor("application/vnd.oci.image.config.v1+json", config) + ",\"layers\":[" + layers + "]}";
                    images.add(registry.push(writer, repository, json, blobs, List.of(), null));
                }
                // indexes over some images
                if (images.size() > 1 && random.nextBoolean()) {
                    List<Digest> children = new ArrayList<>(images.subList(0, 1 + random.nextInt(images.size() - 1)));
                    StringBuilder list = new StringBuilder();
                    for (Digest child : children) {
                        list.append(list.length() == 0 ? "" : ",").append(descriptor("application/vnd.oci.image.manifest.v1+json", child));
                    }
                    images.add(registry.push(writer, repository, "{\"schemaVersion\":2,\"mediaType\":"
                            + "\"application/vnd.oci.image.index.v1+json\",\"manifests\":[" + list + "]}", Set.of(), children, null));
                }
                // referrers of some manifests
                for (Digest subject : List.copyOf(images)) {
                    if (random.nextInt(4) == 0) {
                        Digest payload = writer.blob("signature " + random.nextLong());
                        registry.push(writer, repository, "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                                + "\"artifactType\":\"application/vnd.example.sig\",\"config\":"
                                + descriptor("application/vnd.oci.empty.v1+json", payload) + ",\"layers\":[],\"subject\":"
                                + descriptor("application/vnd.oci.image.manifest.v1+json", subject) + "}", Set.of(payload), List.of(), subject);
                    }
                }
                // tags, some moved from one manifest to another
                for (int t = 0; t < random.nextInt(4); t++) {
                    String tag = "t" + t;
                    registry.tag(writer, repository, tag, images.get(random.nextInt(images.size())));
                    if (random.nextBoolean()) {
                        registry.tag(writer, repository, tag, images.get(random.nextInt(images.size())));
                    }
                }
                // a manifest deleted through the API (its tags go with it), now and then
                if (random.nextInt(3) == 0) {
                    Digest deleted = images.get(random.nextInt(images.size()));
                    boolean isChild = registry.revisions.get(repository).stream()
                            .anyMatch(m -> registry.manifests.get(m).children.contains(deleted));
                    if (!isChild) {
                        writer.deleteRevisionThroughApi(repository, deleted);
                        registry.revisions.get(repository).remove(deleted);
                        registry.tags.getOrDefault(repository, new TreeMap<>()).entrySet().removeIf(e -> {
                            boolean points = e.getValue().equals(deleted);
                            if (points) {
                                writer.untag(repository, e.getKey());
                            }
                            return points;
                        });
                    }
                }
            }
            for (int i = 0; i < random.nextInt(4); i++) {
                Digest orphan = writer.blob("orphan " + random.nextLong());
                if (random.nextBoolean()) {
                    String repository = registry.revisions.keySet().iterator().next();
                    writer.layerLink(repository, orphan);
                    registry.links.computeIfAbsent(repository, r -> new TreeSet<>()).add(orphan);
                }
            }
            return registry;
        }

        private Digest push(StorageWriter writer, String repository, String json, Set<Digest> blobs, List<Digest> children,
                Digest subject) {
            Digest digest = writer.blob(json);
            for (Digest blob : blobs) {
                writer.layerLink(repository, blob);
                links.computeIfAbsent(repository, r -> new TreeSet<>()).add(blob);
            }
            writer.revision(repository, digest);
            revisions.get(repository).add(digest);
            manifests.put(digest, new Manifest(digest, blobs, children, subject));
            return digest;
        }

        private void tag(StorageWriter writer, String repository, String tag, Digest manifest) {
            writer.tag(repository, tag, manifest);
            tags.computeIfAbsent(repository, r -> new TreeMap<>()).put(tag, manifest);
        }

        /**
         * What a correct collection keeps in each repository: from the tagged manifests (or, without
         * --delete-untagged, from every manifest), the manifests an index lists and the referrers of a kept manifest.
         */
        Map<String, Set<Digest>> keptManifests(boolean deleteUntagged) {
            Map<String, Set<Digest>> kept = new TreeMap<>();
            for (Map.Entry<String, Set<Digest>> repository : revisions.entrySet()) {
                Set<Digest> present = repository.getValue();
                Deque<Digest> pending = new ArrayDeque<>(deleteUntagged
                        ? new HashSet<>(tags.getOrDefault(repository.getKey(), Map.of()).values()) : present);
                pending.removeIf(d -> !present.contains(d));
                Set<Digest> reached = new TreeSet<>();
                while (!pending.isEmpty()) {
                    Digest manifest = pending.pop();
                    if (!reached.add(manifest)) {
                        continue;
                    }
                    manifests.get(manifest).children.stream().filter(present::contains).forEach(pending::push);
                    for (Digest other : present) {
                        if (manifest.equals(manifests.get(other).subject)) {
                            pending.push(other);
                        }
                    }
                }
                kept.put(repository.getKey(), reached);
            }
            return kept;
        }

        private static String descriptor(String mediaType, Digest digest) {
            return "{\"mediaType\":\"" + mediaType + "\",\"digest\":\"" + digest + "\",\"size\":1}";
        }
    }
}
