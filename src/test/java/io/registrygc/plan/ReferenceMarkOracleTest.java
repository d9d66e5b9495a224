package io.registrygc.plan;

import static org.assertj.core.api.Assertions.assertThat;

import io.registrygc.manifest.ManifestKind;
import io.registrygc.manifest.ParsedManifest;
import io.registrygc.manifest.Reference;
import io.registrygc.manifest.ReferenceKind;
import io.registrygc.plan.PlanItem;
import io.registrygc.plan.PlanItem.Action;
import io.registrygc.run.GcSettings;
import io.registrygc.storage.Digest;
import io.registrygc.testsupport.PlannedRun;
import io.registrygc.testsupport.ScanFixture;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The planner against an independent, in-memory mark and sweep on a few hundred random registries.
 *
 * <p>The oracle is written the way Distribution's {@code registry/storage/garbagecollect.go} marks: repository by
 * repository, from every tagged manifest (with {@code --delete-untagged}) or from every manifest (without it), mark
 * the manifest, what it names, and, unlike Distribution 2.8, the manifests an index lists and the referrers of a
 * marked manifest (both in the same repository). A blob is swept when no repository marked it; a manifest is deleted
 * when its repository did not mark it (only with {@code --delete-untagged}); a {@code _layers} link is removed when
 * no marked manifest of its repository is it or names it. Everything is old enough ({@code --min-age 0}) and
 * readable, so the planner's other rules do not apply.
 *
 * <p>Reproduce: {@code -Dregistrygc.oracle.seed=N} changes the seed of the whole series (default fixed, so CI is
 * repeatable), {@code -Dregistrygc.oracle.cases=N} its length, and {@code -Dregistrygc.oracle.case=S} replays the
 * single case of seed S that a failure message names.
 */
class ReferenceMarkOracleTest {

    private static final long SERIES_SEED = Long.getLong("registrygc.oracle.seed", 0x5eed_2025_0601L);
    private static final int CASES = Integer.getInteger("registrygc.oracle.cases", 200);
    private static final Long REPLAYED_CASE = Long.getLong("registrygc.oracle.case");

    private static final Instant CREATED = Instant.parse("2025-06-01T12:00:00Z");
    private static final Instant LONG_AGO = CREATED.minus(Duration.ofDays(3));

    @TestFactory
    Stream<DynamicTest> plannerAgreesWithAReferenceMarkAndSweep() {
        Random series = new Random(SERIES_SEED);
        LongStream seeds = REPLAYED_CASE != null ? LongStream.of(REPLAYED_CASE)
                : LongStream.generate(series::nextLong).limit(CASES);
        return seeds.mapToObj(seed -> DynamicTest.dynamicTest("registry of seed " + seed, () -> check(seed)));
    }

    private static void check(long seed) {
        Registry registry = Registry.random(new Random(seed));
        ScanFixture scan = registry.scan();
        for (boolean deleteUntagged : new boolean[] {true, false}) {
            Marked oracle = Marked.by(registry, deleteUntagged);
            PlannedRun run = PlannedRun.plan(scan, new GcSettings("/storage", false, deleteUntagged,
                    Duration.ZERO, List.of(), CREATED));
            String context = "seed " + seed + " (replay: -Dregistrygc.oracle.case=" + seed + "), --delete-untagged "
                    + deleteUntagged + ", series seed " + SERIES_SEED;

            assertThat(planned(run.manifestPhase(), Action.DELETE_MANIFEST, i -> i.repository() + "@" + i.digest()))
                    .as(() -> context + ": manifests deleted\n" + registry)
                    .containsExactlyInAnyOrderElementsOf(oracle.deletedManifests());
            assertThat(run.keepReasons().keySet())
                    .as(() -> context + ": manifests kept (each with its reason)\n" + registry)
                    .containsExactlyInAnyOrderElementsOf(oracle.keptManifests);
            assertThat(planned(run.blobPhase(), Action.DELETE_BLOB, i -> i.digest() + " " + i.bytes() + " bytes"))
                    .as(() -> context + ": blobs swept\n" + registry)
                    .containsExactlyInAnyOrderElementsOf(oracle.sweptBlobs());
            assertThat(planned(run.blobPhase(), Action.DELETE_LAYER_LINK, i -> i.repository() + "/_layers/" + i.digest()))
                    .as(() -> context + ": _layers links removed\n" + registry)
                    .containsExactlyInAnyOrderElementsOf(oracle.removedLinks());
            // no --image, nothing unreadable: no other kind of item, and the sweep runs
            assertThat(run.manifestPhase()).as(context).allMatch(i -> i.action() == Action.DELETE_MANIFEST);
            assertThat(run.blobPhase()).as(context)
                    .allMatch(i -> i.action() == Action.DELETE_BLOB || i.action() == Action.DELETE_LAYER_LINK);
            assertThat(run.sweepBlocked()).as(context).isNull();
        }
    }

    private static List<String> planned(List<PlanItem> phase, Action action, Function<PlanItem, String> key) {
        return phase.stream().filter(i -> i.action() == action).map(key).toList();
    }

    // ------------------------------------------------------------------ the oracle

    /** What a mark phase over the registry keeps; the sweep is everything else. */
    private record Marked(Registry registry, Set<String> keptManifests, Set<Digest> blobs, Map<String, Set<Digest>> namedIn) {

        static Marked by(Registry registry, boolean deleteUntagged) {
            Set<String> keptManifests = new TreeSet<>();
            Set<Digest> blobs = new HashSet<>();
            Map<String, Set<Digest>> namedIn = new LinkedHashMap<>();
            for (Repo repo : registry.repositories) {
                Map<Digest, Manifest> revisions = repo.revisions();
                Deque<Manifest> toMark = new ArrayDeque<>();
                for (Manifest manifest : repo.manifests) {
                    if (!deleteUntagged || repo.tags.containsValue(manifest.digest)) {
                        toMark.add(manifest);
                    }
                }
                Set<Digest> marked = new HashSet<>();
                Set<Digest> named = new HashSet<>();
                while (!toMark.isEmpty()) {
                    Manifest manifest = toMark.pop();
                    if (!marked.add(manifest.digest)) {
                        continue;
                    }
                    // the manifest's own blob and every digest it names, children and subject included: a kept
                    // referrer holds on to its subject's blob even where the subject's revision goes
                    named.add(manifest.digest);
                    named.addAll(manifest.named());
                    // an index keeps the manifests it lists, a manifest its referrers: same repository only
                    manifest.children.stream().map(revisions::get).filter(Objects::nonNull).forEach(toMark::add);
                    repo.manifests.stream().filter(m -> manifest.digest.equals(m.subject)).forEach(toMark::add);
                }
                marked.forEach(d -> keptManifests.add(repo.name + "@" + d));
                blobs.addAll(named);
                namedIn.put(repo.name, named);
            }
            return new Marked(registry, keptManifests, blobs, namedIn);
        }

        Set<String> deletedManifests() {
            Set<String> deleted = new TreeSet<>();
            for (Repo repo : registry.repositories) {
                repo.manifests.stream().map(m -> repo.name + "@" + m.digest).filter(k -> !keptManifests.contains(k))
                        .forEach(deleted::add);
            }
            return deleted;
        }

        Set<String> sweptBlobs() {
            return registry.blobSizes.entrySet().stream().filter(e -> !blobs.contains(e.getKey()))
                    .map(e -> e.getKey() + " " + Math.max(e.getValue(), 0) + " bytes")
                    .collect(Collectors.toCollection(TreeSet::new));
        }

        Set<String> removedLinks() {
            Set<String> removed = new TreeSet<>();
            for (Repo repo : registry.repositories) {
                repo.layerLinks.stream().filter(d -> !namedIn.get(repo.name).contains(d))
                        .forEach(d -> removed.add(repo.name + "/_layers/" + d));
            }
            return removed;
        }
    }

    // ------------------------------------------------------------------ random registries

    private enum Kind { IMAGE, INDEX, REFERRER }

    /** A manifest and every digest it names; {@code subject} is null unless it is a referrer. */
    private record Manifest(Digest digest, Kind kind, Digest config, List<Digest> layers, List<Digest> foreignLayers,
            List<Digest> children, Digest subject) {

        Set<Digest> named() {
            Set<Digest> named = new LinkedHashSet<>();
            if (config != null) {
                named.add(config);
            }
            named.addAll(layers);
            named.addAll(foreignLayers);
            named.addAll(children);
            if (subject != null) {
                named.add(subject);
            }
            return named;
        }

        ParsedManifest parsed() {
            List<Reference> references = new ArrayList<>();
            if (config != null) {
                references.add(new Reference(ReferenceKind.CONFIG, config, null, -1));
            }
            layers.forEach(d -> references.add(new Reference(ReferenceKind.LAYER, d, null, -1)));
            foreignLayers.forEach(d -> references.add(new Reference(ReferenceKind.FOREIGN_LAYER, d, null, -1)));
            children.forEach(d -> references.add(new Reference(ReferenceKind.CHILD, d, null, -1)));
            if (subject != null) {
                references.add(new Reference(ReferenceKind.SUBJECT, subject, null, -1));
            }
            ManifestKind kind = this.kind == Kind.INDEX ? ManifestKind.OCI_INDEX : ManifestKind.OCI_MANIFEST;
            return new ParsedManifest(kind, null, references, Optional.ofNullable(subject));
        }

        @Override
        public String toString() {
            return kind + " " + digest.hex().substring(0, 8) + (config == null ? "" : " config " + shortly(List.of(config)))
                    + (layers.isEmpty() ? "" : " layers " + shortly(layers))
                    + (foreignLayers.isEmpty() ? "" : " foreign " + shortly(foreignLayers))
                    + (children.isEmpty() ? "" : " children " + shortly(children))
                    + (subject == null ? "" : " subject " + shortly(List.of(subject)));
        }
    }

    private static final class Repo {
        final String name;
        final List<Manifest> manifests = new ArrayList<>();
        final Map<String, Digest> tags = new LinkedHashMap<>();
        final Set<Digest> layerLinks = new LinkedHashSet<>();

        Repo(String name) {
            this.name = name;
        }

        Map<Digest, Manifest> revisions() {
            Map<Digest, Manifest> revisions = new LinkedHashMap<>();
            manifests.forEach(m -> revisions.put(m.digest, m));
            return revisions;
        }

        @Override
        public String toString() {
            return "repository " + name + "\n"
                    + manifests.stream().map(m -> "  " + m + "\n").collect(Collectors.joining())
                    + tags.entrySet().stream().map(t -> "  tag " + t.getKey() + " -> " + t.getValue().hex().substring(0, 8) + "\n")
                            .collect(Collectors.joining())
                    + "  _layers " + shortly(layerLinks) + "\n";
        }
    }

    /** Several repositories sharing a pool of blobs; every blob and link is older than the cutoff. */
    private static final class Registry {
        final List<Repo> repositories = new ArrayList<>();
        /** The blob folders of the storage and their sizes (-1: a folder without data). */
        final Map<Digest, Long> blobSizes = new LinkedHashMap<>();

        static Registry random(Random random) {
            Registry registry = new Registry();
            String prefix = Long.toHexString(random.nextLong()) + "/";
            List<Digest> pool = new ArrayList<>();
            for (int i = 0, n = 8 + random.nextInt(30); i < n; i++) {
                Digest blob = ScanFixture.digest(prefix + "blob " + i);
                pool.add(blob);
                registry.addBlob(blob, random);
            }
            Digest empty = ScanFixture.digest(prefix + "{}");
            registry.addBlob(empty, random);
            List<Manifest> images = new ArrayList<>();
            String[] names = {"app", "team/app", "team/app/debug", "lib", "mirror/base"};
            for (int r = 0, repositories = 1 + random.nextInt(4); r < repositories; r++) {
                Repo repo = new Repo(names[r]);
                registry.repositories.add(repo);
                for (int m = 0, manifests = 1 + random.nextInt(8); m < manifests; m++) {
                    Manifest manifest = registry.randomManifest(random, prefix + repo.name + " manifest " + m, repo, pool,
                            images, empty);
                    if (repo.revisions().containsKey(manifest.digest)) {
                        continue; // the same image pushed twice
                    }
                    repo.manifests.add(manifest);
                    if (manifest.kind == Kind.IMAGE) {
                        images.add(manifest);
                    }
                    if (!registry.blobSizes.containsKey(manifest.digest) && random.nextInt(20) > 0) {
                        registry.addBlob(manifest.digest, random); // now and then its data is gone
                    }
                    // the blobs a push uploads get a _layers link; foreign layers are not uploaded
                    if (manifest.config != null) {
                        repo.layerLinks.add(manifest.config);
                    }
                    repo.layerLinks.addAll(manifest.layers);
                    for (int t = random.nextInt(5) - 2; t > 0; t--) {
                        repo.tags.put("t" + repo.tags.size(), manifest.digest);
                    }
                }
                if (random.nextInt(5) == 0) {
                    repo.layerLinks.add(pick(random, pool)); // an upload no manifest used
                }
                if (random.nextInt(5) == 0) {
                    repo.layerLinks.add(pick(random, repo.manifests).digest); // a manifest uploaded as a blob too
                }
                if (random.nextInt(10) == 0) {
                    repo.tags.put("dangling", ScanFixture.digest(prefix + repo.name + " deleted manifest"));
                }
            }
            return registry;
        }

        private Manifest randomManifest(Random random, String label, Repo repo, List<Digest> pool, List<Manifest> images,
                Digest empty) {
            Digest digest = ScanFixture.digest(label);
            int kind = random.nextInt(10);
            if (kind < 2 && !images.isEmpty()) {
                return pick(random, images); // an image already pushed to another repository (or this one)
            }
            if (kind < 4 && !repo.manifests.isEmpty()) {
                List<Digest> children = new ArrayList<>();
                for (int c = 0, n = 1 + random.nextInt(3); c < n; c++) {
                    Digest child = pick(random, repo.manifests).digest;
                    if (!children.contains(child)) {
                        children.add(child);
                    }
                }
                return new Manifest(digest, Kind.INDEX, null, List.of(), List.of(), List.copyOf(children), null);
            }
            if (kind < 6 && !repo.manifests.isEmpty()) {
                Digest subject = random.nextInt(8) == 0 ? ScanFixture.digest(label + " missing subject")
                        : pick(random, repo.manifests).digest;
                return new Manifest(digest, Kind.REFERRER, empty, List.of(pick(random, pool)), List.of(), List.of(), subject);
            }
            Digest config = pick(random, pool);
            Set<Digest> layers = new LinkedHashSet<>();
            for (int l = 0, n = 1 + random.nextInt(4); l < n; l++) {
                layers.add(pick(random, pool));
            }
            layers.remove(config);
            List<Digest> foreign = random.nextInt(10) == 0 ? List.of(ScanFixture.digest(label + " foreign layer")) : List.of();
            return new Manifest(digest, Kind.IMAGE, config, List.copyOf(layers), foreign, List.of(), null);
        }

        private void addBlob(Digest blob, Random random) {
            blobSizes.put(blob, random.nextInt(25) == 0 ? -1L : 1 + random.nextInt(50_000_000));
        }

        ScanFixture scan() {
            ScanFixture scan = new ScanFixture();
            for (Repo repo : repositories) {
                ScanFixture.Repository stored = scan.repository(repo.name);
                repo.manifests.forEach(m -> stored.manifest(m.digest, LONG_AGO, m.parsed()));
                repo.tags.forEach((tag, digest) -> stored.tag(tag, digest, LONG_AGO));
                repo.layerLinks.forEach(d -> stored.layerLink(d, LONG_AGO));
            }
            blobSizes.forEach((digest, size) -> scan.blob(digest, size, LONG_AGO));
            return scan;
        }

        @Override
        public String toString() {
            return repositories.stream().map(Repo::toString).collect(Collectors.joining())
                    + "blobs " + blobSizes.entrySet().stream().map(e -> e.getKey().hex().substring(0, 8) + "=" + e.getValue())
                            .collect(Collectors.joining(", "));
        }
    }

    private static <T> T pick(Random random, List<T> from) {
        return from.get(random.nextInt(from.size()));
    }

    private static String shortly(Collection<Digest> digests) {
        return digests.stream().map(d -> d.hex().substring(0, 8)).collect(Collectors.joining(",", "[", "]"));
    }
}
