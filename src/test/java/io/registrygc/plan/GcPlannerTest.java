package io.registrygc.plan;

import io.registrygc.policy.ImageSelector;
import static io.registrygc.testsupport.ScanFixture.digest;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.registrygc.manifest.ManifestKind;
import io.registrygc.manifest.ParsedManifest;
import io.registrygc.manifest.Reference;
import io.registrygc.manifest.ReferenceKind;
import io.registrygc.plan.PlanItem;
import io.registrygc.plan.PlanItem.Action;
import io.registrygc.run.GcSettings;
import io.registrygc.storage.BlobEntry;
import io.registrygc.storage.Digest;
import io.registrygc.storage.StorageProblem;
import io.registrygc.testsupport.MigratedDatabase;
import io.registrygc.testsupport.PlannedRun;
import io.registrygc.testsupport.ScanFixture;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * The planner's rules, one test each, over rows written by the scan's own store into a real PostgreSQL: each test
 * describes a small registry, plans it, and asserts the exact plan with its reasons (and the reason every kept
 * manifest is kept). No registry is needed.
 */
class GcPlannerTest {

    private static final Instant CREATED = Instant.parse("2025-06-01T12:00:00Z");
    private static final Duration MIN_AGE = Duration.ofHours(1);
    /** Long before the cutoff (CREATED - MIN_AGE). */
    private static final Instant OLD = CREATED.minus(Duration.ofDays(30));
    /** After the cutoff: a push in flight. */
    private static final Instant FRESH = CREATED.minus(Duration.ofMinutes(10));

    private static final String UNTAGGED = "untagged (--delete-untagged)";
    private static final String KEPT_ALL =
            "every manifest is kept without --delete-untagged, --image or a retention policy (so its tags were not read)";
    private static final String UNREFERENCED_BLOB = "no kept manifest references it";

    // ------------------------------------------------------------------ tags and --delete-untagged

    @Test
    void aTaggedManifestKeepsItselfItsBlobsAndItsLayerLinks() {
        Digest manifest = digest("app@v1");
        Digest config = digest("app-v1-config");
        Digest layer = digest("app-v1-layer");
        Digest foreign = digest("windows-base-layer");
        ScanFixture scan = new ScanFixture();
        scan.repository("app")
                .manifest(manifest, OLD, new ParsedManifest(ManifestKind.DOCKER_SCHEMA2,
                        "application/vnd.docker.distribution.manifest.v2+json", List.of(
                                new Reference(ReferenceKind.CONFIG, config, null, 100),
                                new Reference(ReferenceKind.FOREIGN_LAYER, foreign, null, 5000),
                                new Reference(ReferenceKind.LAYER, layer, null, 1000)),
                        Optional.empty()))
                .tag("v1", manifest, OLD).tag("latest", manifest, OLD)
                .layerLink(config, OLD).layerLink(layer, OLD); // no link to the foreign layer: the reference alone keeps it
        blobs(scan, OLD, manifest, config, layer, foreign);

        PlannedRun run = PlannedRun.plan(scan, settings(true));

        assertPlan(run.manifestPhase());
        assertPlan(run.blobPhase());
        assertThat(run.sweepBlocked()).isNull();
        assertThat(run.keepReasons()).isEqualTo(Map.of(key("app", manifest), "tagged latest, v1"));
    }

    @Test
    void anUntaggedManifestIsDeletedWithDeleteUntaggedWithTheBlobsOnlyItReferenced() {
        Retagged app = new Retagged();

        PlannedRun run = PlannedRun.plan(app.scan, settings(true));

        assertPlan(run.manifestPhase(), deleteManifest("app", app.previous, UNTAGGED));
        assertPlan(run.blobPhase(),
                deleteLayerLink("app", app.previousConfig, "no kept manifest of app references it"),
                deleteLayerLink("app", app.previousLayer, "no kept manifest of app references it"),
                deleteLayerLink("app", app.abandonedUpload, "no kept manifest of app references it"),
                deleteBlob(app.previous, UNREFERENCED_BLOB),
                deleteBlob(app.previousConfig, UNREFERENCED_BLOB),
                deleteBlob(app.previousLayer, UNREFERENCED_BLOB),
                deleteBlob(app.abandonedUpload, UNREFERENCED_BLOB));
        assertThat(run.keepReasons()).isEqualTo(Map.of(key("app", app.current), "tagged latest"));
        assertThat(run.deleteReasons()).isEqualTo(Map.of(key("app", app.previous), UNTAGGED));
    }

    @Test
    void anUntaggedManifestIsKeptWithoutDeleteUntaggedAndOnlyOrphansGo() {
        Retagged app = new Retagged();

        PlannedRun run = PlannedRun.plan(app.scan, settings(false));

        assertPlan(run.manifestPhase());
        assertPlan(run.blobPhase(),
                deleteLayerLink("app", app.abandonedUpload, "no kept manifest of app references it"),
                deleteBlob(app.abandonedUpload, UNREFERENCED_BLOB));
        // such a run reads no tags (the scan fixture has them, a real scan would not): every manifest is kept alike
        assertThat(run.keepReasons()).isEqualTo(Map.of(
                key("app", app.current), KEPT_ALL,
                key("app", app.previous), KEPT_ALL));
    }

    /** app:latest was pushed twice; the first push left its manifest untagged, and an upload was abandoned. */
    private static final class Retagged {
        final Digest previous = digest("app@previous");
        final Digest previousConfig = digest("app-previous-config");
        final Digest previousLayer = digest("app-previous-layer");
        final Digest current = digest("app@current");
        final Digest currentConfig = digest("app-current-config");
        final Digest currentLayer = digest("app-current-layer");
        final Digest baseLayer = digest("base-layer");
        final Digest abandonedUpload = digest("abandoned-upload");
        final ScanFixture scan = new ScanFixture();

        Retagged() {
            var app = scan.repository("app");
            push(app, previous, OLD, previousConfig, baseLayer, previousLayer);
            push(app, current, OLD, currentConfig, baseLayer, currentLayer).tag("latest", current, OLD);
            app.layerLink(abandonedUpload, OLD);
            blobs(scan, OLD, previous, previousConfig, previousLayer, current, currentConfig, currentLayer, baseLayer,
                    abandonedUpload);
        }
    }

    // ------------------------------------------------------------------ index children

    @Test
    void theChildrenOfATaggedIndexAreKeptRecursively() {
        Digest multi = digest("app@multi");
        Digest inner = digest("app@inner-index");
        Digest amd64 = digest("app@amd64");
        Digest arm64 = digest("app@arm64");
        ScanFixture scan = new ScanFixture();
        var app = scan.repository("app");
        push(app, amd64, OLD, digest("amd64-config"), digest("amd64-layer"));
        push(app, arm64, OLD, digest("arm64-config"), digest("arm64-layer"));
        app.index(inner, OLD, arm64).index(multi, OLD, amd64, inner).tag("multi", multi, OLD);
        blobs(scan, OLD, multi, inner, amd64, arm64, digest("amd64-config"), digest("amd64-layer"),
                digest("arm64-config"), digest("arm64-layer"));

        PlannedRun run = PlannedRun.plan(scan, settings(true));

        assertPlan(run.manifestPhase());
        assertPlan(run.blobPhase());
        assertThat(run.keepReasons()).isEqualTo(Map.of(
                key("app", multi), "tagged multi",
                key("app", amd64), "child of kept manifest " + multi,
                key("app", inner), "child of kept manifest " + multi,
                key("app", arm64), "child of kept manifest " + inner));
    }

    @Test
    void theChildrenOfAnUntaggedIndexGoWithItUnlessAKeptIndexListsThemToo() {
        Digest oldMulti = digest("app@old-multi");
        Digest oldAmd64 = digest("app@old-amd64");
        Digest newMulti = digest("app@new-multi");
        Digest newAmd64 = digest("app@new-amd64");
        Digest arm64 = digest("app@arm64, in both indexes");
        ScanFixture scan = new ScanFixture();
        var app = scan.repository("app");
        push(app, oldAmd64, OLD, digest("old-amd64-config"), digest("old-amd64-layer"));
        push(app, newAmd64, OLD, digest("new-amd64-config"), digest("new-amd64-layer"));
        push(app, arm64, OLD, digest("arm64-config"), digest("arm64-layer"));
        app.index(oldMulti, OLD, oldAmd64, arm64).index(newMulti, OLD, newAmd64, arm64).tag("multi", newMulti, OLD);
        blobs(scan, OLD, oldMulti, oldAmd64, newMulti, newAmd64, arm64, digest("old-amd64-config"),
                digest("old-amd64-layer"), digest("new-amd64-config"), digest("new-amd64-layer"),
                digest("arm64-config"), digest("arm64-layer"));

        PlannedRun run = PlannedRun.plan(scan, settings(true));

        assertPlan(run.manifestPhase(),
                deleteManifest("app", oldMulti, UNTAGGED),
                deleteManifest("app", oldAmd64, UNTAGGED));
        assertPlan(run.blobPhase(),
                deleteLayerLink("app", digest("old-amd64-config"), "no kept manifest of app references it"),
                deleteLayerLink("app", digest("old-amd64-layer"), "no kept manifest of app references it"),
                deleteBlob(oldMulti, UNREFERENCED_BLOB),
                deleteBlob(oldAmd64, UNREFERENCED_BLOB),
                deleteBlob(digest("old-amd64-config"), UNREFERENCED_BLOB),
                deleteBlob(digest("old-amd64-layer"), UNREFERENCED_BLOB));
        assertThat(run.keepReasons()).isEqualTo(Map.of(
                key("app", newMulti), "tagged multi",
                key("app", newAmd64), "child of kept manifest " + newMulti,
                key("app", arm64), "child of kept manifest " + newMulti));
    }

    @Test
    void theChildrenOfAnIndexDeletedByImageTagGoWithItUnlessTaggedOrListedByAKeptIndex() {
        Digest multi = digest("app@multi");
        Digest amd64 = digest("app@amd64, also tagged");
        Digest arm64 = digest("app@arm64, only in multi");
        Digest s390x = digest("app@s390x, also in other");
        Digest other = digest("app@other");
        ScanFixture scan = new ScanFixture();
        var app = scan.repository("app");
        push(app, amd64, OLD, digest("amd64-config"), digest("amd64-layer")).tag("amd64", amd64, OLD);
        push(app, arm64, OLD, digest("arm64-config"), digest("arm64-layer"));
        push(app, s390x, OLD, digest("s390x-config"), digest("s390x-layer"));
        app.index(multi, OLD, amd64, arm64, s390x).tag("multi", multi, OLD);
        app.index(other, OLD, s390x).tag("other", other, OLD);
        blobs(scan, OLD, multi, amd64, arm64, s390x, other, digest("amd64-config"), digest("amd64-layer"),
                digest("arm64-config"), digest("arm64-layer"), digest("s390x-config"), digest("s390x-layer"));

        // without --delete-untagged: the children go because their index does, not because they are untagged
        PlannedRun run = PlannedRun.plan(scan, settings(false, "app:multi"));

        assertPlan(run.manifestPhase(),
                deleteTag("app", "multi", multi, "tag selected by --image app:multi"),
                deleteManifest("app", multi, "tag app:multi selected by --image"),
                deleteManifest("app", arm64, "only reachable as child of deleted manifest " + multi));
        assertPlan(run.blobPhase(),
                deleteLayerLink("app", digest("arm64-config"), "no kept manifest of app references it"),
                deleteLayerLink("app", digest("arm64-layer"), "no kept manifest of app references it"),
                deleteBlob(multi, UNREFERENCED_BLOB),
                deleteBlob(arm64, UNREFERENCED_BLOB),
                deleteBlob(digest("arm64-config"), UNREFERENCED_BLOB),
                deleteBlob(digest("arm64-layer"), UNREFERENCED_BLOB));
        assertThat(run.keepReasons()).isEqualTo(Map.of(
                key("app", amd64), "tagged amd64",
                key("app", other), "tagged other",
                key("app", s390x), "child of kept manifest " + other));
    }

    // ------------------------------------------------------------------ referrers

    @Test
    void referrersAreKeptWithAKeptSubjectAndDeletedWithAnUntaggedOne() {
        Digest image = digest("app@v1");
        Digest signature = digest("app@signature of v1");
        Digest attestation = digest("app@attestation of the signature");
        Digest oldImage = digest("app@v0, untagged");
        Digest oldSbom = digest("app@sbom of v0");
        Digest empty = digest("{}");
        ScanFixture scan = new ScanFixture();
        var app = scan.repository("app");
        push(app, image, OLD, digest("v1-config"), digest("v1-layer")).tag("v1", image, OLD);
        app.referrer(signature, OLD, image, empty, digest("signature payload"))
                .referrer(attestation, OLD, signature, empty, digest("attestation payload"));
        push(app, oldImage, OLD, digest("v0-config"), digest("v0-layer"));
        app.referrer(oldSbom, OLD, oldImage, empty, digest("sbom payload"));
        links(app, OLD, empty, digest("signature payload"), digest("attestation payload"), digest("sbom payload"));
        blobs(scan, OLD, image, signature, attestation, oldImage, oldSbom, empty, digest("v1-config"),
                digest("v1-layer"), digest("signature payload"), digest("attestation payload"), digest("v0-config"),
                digest("v0-layer"), digest("sbom payload"));

        PlannedRun run = PlannedRun.plan(scan, settings(true));

        assertPlan(run.manifestPhase(),
                deleteManifest("app", oldImage, UNTAGGED),
                deleteManifest("app", oldSbom, UNTAGGED));
        assertPlan(run.blobPhase(),
                deleteLayerLink("app", digest("v0-config"), "no kept manifest of app references it"),
                deleteLayerLink("app", digest("v0-layer"), "no kept manifest of app references it"),
                deleteLayerLink("app", digest("sbom payload"), "no kept manifest of app references it"),
                deleteBlob(oldImage, UNREFERENCED_BLOB),
                deleteBlob(oldSbom, UNREFERENCED_BLOB),
                deleteBlob(digest("v0-config"), UNREFERENCED_BLOB),
                deleteBlob(digest("v0-layer"), UNREFERENCED_BLOB),
                deleteBlob(digest("sbom payload"), UNREFERENCED_BLOB));
        assertThat(run.keepReasons()).isEqualTo(Map.of(
                key("app", image), "tagged v1",
                key("app", signature), "referrer of kept manifest " + image,
                key("app", attestation), "referrer of kept manifest " + signature));
    }

    @Test
    void referrersGoWithASubjectDeletedByImageTag() {
        Digest v1 = digest("app@v1");
        Digest v2 = digest("app@v2");
        Digest signature = digest("app@signature of v1");
        Digest sharedLayer = digest("layer in v1 and v2");
        Digest empty = digest("{}");
        ScanFixture scan = new ScanFixture();
        var app = scan.repository("app");
        push(app, v1, OLD, digest("v1-config"), sharedLayer).tag("v1", v1, OLD);
        push(app, v2, OLD, digest("v2-config"), sharedLayer).tag("v2", v2, OLD);
        app.referrer(signature, OLD, v1, empty, digest("signature payload"));
        links(app, OLD, empty, digest("signature payload"));
        blobs(scan, OLD, v1, v2, signature, sharedLayer, empty, digest("v1-config"), digest("v2-config"),
                digest("signature payload"));

        PlannedRun run = PlannedRun.plan(scan, settings(false, "app:v1"));

        assertPlan(run.manifestPhase(),
                deleteTag("app", "v1", v1, "tag selected by --image app:v1"),
                deleteManifest("app", v1, "tag app:v1 selected by --image"),
                deleteManifest("app", signature, "only reachable as referrer of deleted manifest " + v1));
        assertPlan(run.blobPhase(),
                deleteLayerLink("app", digest("v1-config"), "no kept manifest of app references it"),
                deleteLayerLink("app", empty, "no kept manifest of app references it"),
                deleteLayerLink("app", digest("signature payload"), "no kept manifest of app references it"),
                deleteBlob(v1, UNREFERENCED_BLOB),
                deleteBlob(signature, UNREFERENCED_BLOB),
                deleteBlob(digest("v1-config"), UNREFERENCED_BLOB),
                deleteBlob(empty, UNREFERENCED_BLOB),
                deleteBlob(digest("signature payload"), UNREFERENCED_BLOB));
        assertThat(run.keepReasons()).isEqualTo(Map.of(key("app", v2), "tagged v2"));
    }

    // ------------------------------------------------------------------ --image

    @Test
    void imageRepoDeletesItsTagsManifestsLayerLinksAndTheRepositoryButNotBlobsOthersUse() {
        Digest v1 = digest("old/app@v1");
        Digest v2 = digest("old/app@v2");
        Digest untagged = digest("old/app@untagged");
        Digest kept = digest("keep/app@latest");
        Digest sharedLayer = digest("layer in old/app and keep/app");
        ScanFixture scan = new ScanFixture();
        var old = scan.repository("old/app");
        push(old, v1, OLD, digest("v1-config"), sharedLayer, digest("v1-layer")).tag("v1", v1, OLD);
        push(old, v2, OLD, digest("v2-config"), digest("v2-layer")).tag("v2", v2, OLD).tag("stable", v2, OLD);
        push(old, untagged, OLD, digest("untagged-config"));
        push(scan.repository("keep/app"), kept, OLD, digest("keep-config"), sharedLayer).tag("latest", kept, OLD);
        blobs(scan, OLD, v1, v2, untagged, kept, sharedLayer, digest("v1-config"), digest("v1-layer"),
                digest("v2-config"), digest("v2-layer"), digest("untagged-config"), digest("keep-config"));

        // without --delete-untagged: the untagged manifest goes because its repository does
        PlannedRun run = PlannedRun.plan(scan, settings(false, "old/app"));

        String selected = "repository old/app selected by --image";
        assertPlan(run.manifestPhase(),
                deleteTag("old/app", "v1", v1, "tag selected by --image old/app"),
                deleteTag("old/app", "v2", v2, "tag selected by --image old/app"),
                deleteTag("old/app", "stable", v2, "tag selected by --image old/app"),
                deleteManifest("old/app", v1, selected),
                deleteManifest("old/app", v2, selected),
                deleteManifest("old/app", untagged, selected),
                deleteLayerLink("old/app", digest("v1-config"), selected),
                deleteLayerLink("old/app", digest("v1-layer"), selected),
                deleteLayerLink("old/app", sharedLayer, selected),
                deleteLayerLink("old/app", digest("v2-config"), selected),
                deleteLayerLink("old/app", digest("v2-layer"), selected),
                deleteLayerLink("old/app", digest("untagged-config"), selected),
                deleteRepository("old/app", selected));
        assertThat(run.manifestPhase()).extracting(PlanItem::action)
                .as("tags before manifests before links, and the repository folder last")
                .isSortedAccordingTo(Comparator.naturalOrder());
        // its links went with the repository: the sweep plans only blobs
        assertPlan(run.blobPhase(),
                deleteBlob(v1, UNREFERENCED_BLOB),
                deleteBlob(v2, UNREFERENCED_BLOB),
                deleteBlob(untagged, UNREFERENCED_BLOB),
                deleteBlob(digest("v1-config"), UNREFERENCED_BLOB),
                deleteBlob(digest("v1-layer"), UNREFERENCED_BLOB),
                deleteBlob(digest("v2-config"), UNREFERENCED_BLOB),
                deleteBlob(digest("v2-layer"), UNREFERENCED_BLOB),
                deleteBlob(digest("untagged-config"), UNREFERENCED_BLOB));
        assertThat(run.keepReasons()).isEqualTo(Map.of(key("keep/app", kept), "tagged latest"));
    }

    @Test
    void imageRepoTagDeletesTheTagAndItsManifestUnlessAnotherTagStillPointsAtIt() {
        Digest old = digest("app@old");
        Digest beta = digest("app@beta, also stable");
        Digest latest = digest("app@latest");
        ScanFixture scan = new ScanFixture();
        var app = scan.repository("app");
        push(app, old, OLD, digest("old-config"), digest("old-layer")).tag("old", old, OLD);
        push(app, beta, OLD, digest("beta-config"), digest("beta-layer")).tag("beta", beta, OLD).tag("stable", beta, OLD);
        push(app, latest, OLD, digest("latest-config"), digest("latest-layer")).tag("latest", latest, OLD);
        blobs(scan, OLD, old, beta, latest, digest("old-config"), digest("old-layer"), digest("beta-config"),
                digest("beta-layer"), digest("latest-config"), digest("latest-layer"));

        PlannedRun run = PlannedRun.plan(scan, settings(false, "app:old", "app:beta"));

        assertPlan(run.manifestPhase(),
                deleteTag("app", "old", old, "tag selected by --image app:old"),
                deleteTag("app", "beta", beta, "tag selected by --image app:beta"),
                deleteManifest("app", old, "tag app:old selected by --image"));
        assertPlan(run.blobPhase(),
                deleteLayerLink("app", digest("old-config"), "no kept manifest of app references it"),
                deleteLayerLink("app", digest("old-layer"), "no kept manifest of app references it"),
                deleteBlob(old, UNREFERENCED_BLOB),
                deleteBlob(digest("old-config"), UNREFERENCED_BLOB),
                deleteBlob(digest("old-layer"), UNREFERENCED_BLOB));
        assertThat(run.keepReasons()).isEqualTo(Map.of(
                key("app", beta), "tagged stable",
                key("app", latest), "tagged latest"));
    }

    @Test
    void anImageThatMatchesNothingIsReportedAndDeletesNothing() {
        Digest latest = digest("app@latest");
        ScanFixture scan = new ScanFixture();
        push(scan.repository("app"), latest, OLD, digest("config")).tag("latest", latest, OLD);
        blobs(scan, OLD, latest, digest("config"));

        PlannedRun run = PlannedRun.plan(scan, settings(false, "app:nosuchtag", "nosuch/repo"));

        assertPlan(run.manifestPhase());
        assertPlan(run.blobPhase());
        assertThat(run.problems()).containsExactly(
                "--image app:nosuchtag: tag not found (NOTED)",
                "--image nosuch/repo: repository not found (NOTED)");
        assertThat(run.sweepBlocked()).isNull();
    }

    // ------------------------------------------------------------------ --min-age

    @Test
    void nothingYoungerThanMinAgeIsDeletedAndAFreshLayerLinkProtectsItsBlob() {
        Digest tagged = digest("app@latest");
        Digest young = digest("app@pushed ten minutes ago, untagged");
        Digest stale = digest("app@stale, untagged");
        Digest reusedLayer = digest("old layer the young manifest reuses");
        Digest mounting = digest("old blob being linked by a push in flight");
        Digest freshUpload = digest("blob uploaded ten minutes ago");
        Digest staleUpload = digest("blob uploaded long ago, never used");
        ScanFixture scan = new ScanFixture();
        var app = scan.repository("app");
        push(app, tagged, OLD, digest("latest-config")).tag("latest", tagged, OLD);
        // its blobs and links are old: only the young manifest itself protects them
        app.image(young, FRESH, digest("young-config"), reusedLayer);
        links(app, OLD, digest("young-config"), reusedLayer);
        push(app, stale, OLD, digest("stale-config"), digest("stale-layer"));
        app.layerLink(mounting, FRESH).layerLink(staleUpload, OLD);
        blobs(scan, OLD, tagged, stale, reusedLayer, mounting, staleUpload, digest("latest-config"),
                digest("young-config"), digest("stale-config"), digest("stale-layer"));
        blobs(scan, FRESH, young, freshUpload);

        PlannedRun run = PlannedRun.plan(scan, new GcSettings("/storage", false, true, MIN_AGE, List.of(), CREATED));

        assertPlan(run.manifestPhase(), deleteManifest("app", stale, UNTAGGED));
        assertPlan(run.blobPhase(),
                deleteLayerLink("app", digest("stale-config"), "no kept manifest of app references it"),
                deleteLayerLink("app", digest("stale-layer"), "no kept manifest of app references it"),
                deleteLayerLink("app", staleUpload, "no kept manifest of app references it"),
                deleteBlob(stale, UNREFERENCED_BLOB),
                deleteBlob(digest("stale-config"), UNREFERENCED_BLOB),
                deleteBlob(digest("stale-layer"), UNREFERENCED_BLOB),
                deleteBlob(staleUpload, UNREFERENCED_BLOB));
        assertThat(run.keepReasons()).isEqualTo(Map.of(
                key("app", tagged), "tagged latest",
                key("app", young), "younger than --min-age"));
    }

    /**
     * A filesystem scan names layer links by their folders only. Planning looks at those it may cut (no kept manifest
     * of their repository references them) and at no other: their times decide as the scan's times did.
     */
    @Test
    void namedLayerLinksAreLookedAtWhereThePlanMayCutThemAndOnlyThere() {
        Digest tagged = digest("app@latest");
        Digest stale = digest("app@stale, untagged");
        Digest shared = digest("layer of both");
        Digest mounting = digest("old blob a push in flight is linking");
        Digest emptied = digest("blob whose link folder the API emptied");
        Digest aside = digest("blob with a file where its link folder should be");
        ScanFixture scan = new ScanFixture();
        var app = scan.repository("app");
        app.image(tagged, OLD, digest("latest-config"), shared).tag("latest", tagged, OLD);
        app.image(stale, OLD, digest("stale-config"), shared);
        for (Digest named : List.of(digest("latest-config"), shared, digest("stale-config"), mounting, emptied, aside)) {
            app.namedLayerLink(named);
        }
        blobs(scan, OLD, tagged, stale, digest("latest-config"), shared, digest("stale-config"), mounting, emptied, aside);
        Map<Digest, Optional<Instant>> onDisk = Map.of(digest("stale-config"), Optional.of(OLD),
                mounting, Optional.of(FRESH), emptied, Optional.empty(), aside, Optional.empty());
        StorageProblem notAFolder = StorageProblem.noted("/storage/app/_layers/" + aside, "not a digest folder; left alone");
        List<Digest> asked = new ArrayList<>();
        GcPlanner.StorageLook look = (links, problems) -> {
            links.forEach(link -> asked.add(link.digest()));
            if (links.stream().anyMatch(link -> link.digest().equals(aside))) {
                problems.accept(notAFolder);
            }
            return links.stream().map(link -> onDisk.get(link.digest())).toList();
        };

        PlannedRun run = PlannedRun.plan(scan, settings(true), look);

        assertThat(asked).containsExactlyInAnyOrder(digest("stale-config"), mounting, emptied, aside);
        assertPlan(run.manifestPhase(), deleteManifest("app", stale, UNTAGGED));
        // the fresh link keeps itself and its blob; the folders without a link are no link to cut
        assertPlan(run.blobPhase(),
                deleteLayerLink("app", digest("stale-config"), "no kept manifest of app references it"),
                deleteBlob(stale, UNREFERENCED_BLOB),
                deleteBlob(digest("stale-config"), UNREFERENCED_BLOB),
                deleteBlob(emptied, UNREFERENCED_BLOB),
                deleteBlob(aside, UNREFERENCED_BLOB));
        assertThat(run.problems()).containsExactly(notAFolder.path() + ": " + notAFolder.message() + " (NOTED)");
    }

    /**
     * A filesystem scan names blobs by their folders only. Planning looks at those it may delete (no kept manifest
     * references them) and at no other: what it finds decides as the scan's look did (a fresh blob stays, a folder
     * without data goes, one that is gone or no blob folder is forgotten).
     */
    @Test
    void namedBlobsAreLookedAtWhereThePlanMayDeleteThemAndOnlyThere() {
        Digest tagged = digest("app@latest");
        Digest layer = digest("layer of the tagged image");
        Digest orphan = digest("orphan");
        Digest uploading = digest("blob of a push in flight");
        Digest interrupted = digest("blob folder without data");
        Digest gone = digest("blob deleted since the listing");
        Digest symlinked = digest("blob folder that is a symbolic link");
        ScanFixture scan = new ScanFixture();
        scan.repository("app").image(tagged, OLD, layer).tag("latest", tagged, OLD);
        for (Digest named : List.of(tagged, layer, orphan, uploading, interrupted, gone, symlinked)) {
            scan.namedBlob(named);
        }
        Map<Digest, Optional<BlobEntry>> onDisk = Map.of(
                orphan, Optional.of(new BlobEntry(orphan, sizeOf(orphan), OLD)),
                uploading, Optional.of(new BlobEntry(uploading, sizeOf(uploading), FRESH)),
                interrupted, Optional.of(new BlobEntry(interrupted, -1, OLD)),
                gone, Optional.empty(), symlinked, Optional.empty());
        StorageProblem symlink = StorageProblem.noted("/storage/blobs/" + symlinked, "a symbolic link: never followed, left alone");
        List<Digest> asked = new ArrayList<>();
        GcPlanner.StorageLook look = blobsOnly((digests, problems) -> {
            asked.addAll(digests);
            if (digests.contains(symlinked)) {
                problems.accept(symlink);
            }
            return digests.stream().map(onDisk::get).toList();
        });

        PlannedRun run = PlannedRun.plan(scan, settings(false), look);

        assertThat(asked).containsExactlyInAnyOrder(orphan, uploading, interrupted, gone, symlinked);
        assertPlan(run.blobPhase(),
                deleteBlob(orphan, UNREFERENCED_BLOB),
                deleteBlob(interrupted, 0, "blob folder without data, referenced by no kept manifest"));
        assertThat(run.problems()).containsExactly(symlink.path() + ": " + symlink.message() + " (NOTED)");
    }

    @Test
    void aSelectedRepositoryWithAManifestYoungerThanMinAgeIsNotRemoved() {
        Digest v1 = digest("app@v1");
        Digest inFlight = digest("app@pushed ten minutes ago");
        ScanFixture scan = new ScanFixture();
        var app = scan.repository("app");
        push(app, v1, OLD, digest("v1-config"), digest("v1-layer")).tag("v1", v1, OLD);
        push(app, inFlight, FRESH, digest("new-config"), digest("new-layer"));
        blobs(scan, OLD, v1, digest("v1-config"), digest("v1-layer"), digest("new-config"), digest("new-layer"));
        blobs(scan, FRESH, inFlight);

        PlannedRun run = PlannedRun.plan(scan, settings(false, "app"));

        assertPlan(run.manifestPhase(),
                deleteTag("app", "v1", v1, "tag selected by --image app"),
                deleteManifest("app", v1, "repository app selected by --image"));
        // the repository stays, so the sweep removes the links no kept manifest needs
        assertPlan(run.blobPhase(),
                deleteLayerLink("app", digest("v1-config"), "no kept manifest of app references it"),
                deleteLayerLink("app", digest("v1-layer"), "no kept manifest of app references it"),
                deleteBlob(v1, UNREFERENCED_BLOB),
                deleteBlob(digest("v1-config"), UNREFERENCED_BLOB),
                deleteBlob(digest("v1-layer"), UNREFERENCED_BLOB));
        assertThat(run.keepReasons()).isEqualTo(Map.of(key("app", inFlight), "younger than --min-age"));
    }

    @Test
    // a push in flight in a selected repository: its fresh link, and so the folder, stay (found by this test)
    void aSelectedRepositoryWithALayerLinkYoungerThanMinAgeKeepsThatLinkAndItsFolder() {
        Digest v1 = digest("app@v1");
        Digest uploading = digest("layer of a push in flight");
        ScanFixture scan = appWithALayerLink(v1, uploading, FRESH);

        assertAPushInFlightKeepsTheRepository(PlannedRun.plan(scan, settings(false, "app")), v1, uploading);
    }

    /**
     * The same on a filesystem, where the scan names layer links by their folders only: the look that finds the link of
     * a push in flight young keeps the repository, the link and its blob, as a time from the scan does.
     */
    @Test
    void aSelectedRepositoryWhoseNamedLayerLinkIsFoundYoungerThanMinAgeIsNotRemoved() {
        Digest v1 = digest("app@v1");
        Digest uploading = digest("layer of a push in flight");
        ScanFixture scan = new ScanFixture();
        var app = scan.repository("app");
        app.image(v1, OLD, digest("v1-config"), digest("v1-layer")).tag("v1", v1, OLD);
        for (Digest named : List.of(digest("v1-config"), digest("v1-layer"), uploading)) {
            app.namedLayerLink(named);
        }
        blobs(scan, OLD, v1, digest("v1-config"), digest("v1-layer"));
        blobs(scan, FRESH, uploading);
        GcPlanner.StorageLook look = (links, problems) -> links.stream()
                .map(link -> Optional.of(link.digest().equals(uploading) ? FRESH : OLD)).toList();

        assertAPushInFlightKeepsTheRepository(PlannedRun.plan(scan, settings(false, "app"), look), v1, uploading);
    }

    /**
     * A run that applies a dry run's plan removes a repository selected whole only where that plan removes it: not
     * where a push in flight kept it at the dry run, though the push has finished since.
     */
    @Test
    void aRunApplyingAPlanRemovesASelectedRepositoryOnlyWhereThatPlanDoes() {
        Digest v1 = digest("app@v1");
        Digest pushed = digest("layer of a push in flight at the dry run");
        ScanFixture atTheDryRun = appWithALayerLink(v1, pushed, FRESH);
        ScanFixture now = appWithALayerLink(v1, pushed, OLD);
        GcSettings dryRun = new GcSettings("/storage", true, false, MIN_AGE, List.of(ImageSelector.parse("app")), CREATED);

        assertThat(PlannedRun.plan(now, dryRun).manifestPhase()).as("what a dry run now would plan")
                .extracting(Planned::of).contains(deleteRepository("app", "repository app selected by --image"));
        assertThat(PlannedRun.applying(atTheDryRun, dryRun, now).manifestPhase()).as("the plan kept the repository")
                .extracting(PlanItem::action).doesNotContain(Action.DELETE_REPOSITORY);
        assertThat(PlannedRun.applying(now, dryRun, now).manifestPhase()).as("the plan removes the repository")
                .extracting(Planned::of).contains(deleteRepository("app", "repository app selected by --image"));
    }

    private static ScanFixture appWithALayerLink(Digest v1, Digest layer, Instant linked) {
        ScanFixture scan = new ScanFixture();
        var app = scan.repository("app");
        push(app, v1, OLD, digest("v1-config"), digest("v1-layer")).tag("v1", v1, OLD);
        app.layerLink(layer, linked);
        blobs(scan, OLD, v1, digest("v1-config"), digest("v1-layer"));
        blobs(scan, linked, layer);
        return scan;
    }

    /** With --image app: the repository, the fresh link and its blob stay; the old tag and manifest still go. */
    private static void assertAPushInFlightKeepsTheRepository(PlannedRun run, Digest v1, Digest uploading) {
        assertThat(run.manifestPhase()).extracting(PlanItem::action).doesNotContain(Action.DELETE_REPOSITORY);
        assertThat(run.manifestPhase()).extracting(PlanItem::digest).doesNotContain(uploading.toString());
        assertThat(run.blobPhase()).extracting(PlanItem::digest).doesNotContain(uploading.toString());
        assertThat(run.manifestPhase()).extracting(Planned::of).contains(
                deleteTag("app", "v1", v1, "tag selected by --image app"),
                deleteManifest("app", v1, "repository app selected by --image"));
    }

    @Test
    // no file younger than --min-age goes, whatever selects it: app:latest pushed again minutes ago keeps its tag
    void aSelectedTagWrittenAfterTheCutoffIsNotDeleted() {
        Digest old = digest("app@old");
        Digest repushed = digest("app@latest, pushed ten minutes ago");
        ScanFixture scan = new ScanFixture();
        var app = scan.repository("app");
        push(app, old, OLD, digest("old-config")).tag("old", old, OLD);
        push(app, repushed, FRESH, digest("latest-config")).tag("latest", repushed, FRESH);
        blobs(scan, OLD, old, digest("old-config"));
        blobs(scan, FRESH, repushed, digest("latest-config"));

        PlannedRun run = PlannedRun.plan(scan, settings(false, "app:old", "app:latest"));

        assertThat(run.manifestPhase()).extracting(Planned::of).containsExactlyInAnyOrder(
                deleteTag("app", "old", old, "tag selected by --image app:old"),
                deleteManifest("app", old, "tag app:old selected by --image"));
        assertThat(run.keepReasons()).containsEntry(key("app", repushed), "younger than --min-age");
    }

    // ------------------------------------------------------------------ what cannot be read

    @Test
    void aTaintedRepositoryKeepsAllItsManifestsAndLinks() {
        Digest tagged = digest("app@v1");
        Digest untagged = digest("app@untagged");
        Digest elsewhere = digest("other@untagged");
        Digest libLayer = digest("layer other/lib keeps");
        Digest lib = digest("other/lib@latest");
        ScanFixture scan = new ScanFixture();
        var app = scan.repository("app")
                .problem(new StorageProblem("/storage/docker/registry/v2/repositories/app/_manifests/tags/broken/current/link",
                        "link file is empty", StorageProblem.Impact.REPOSITORY_KEPT));
        push(app, tagged, OLD, digest("v1-config")).tag("v1", tagged, OLD);
        push(app, untagged, OLD, digest("untagged-config"));
        app.layerLink(libLayer, OLD); // needed by no manifest of app: an untainted repository would lose it
        push(scan.repository("other"), elsewhere, OLD, digest("elsewhere-config"));
        push(scan.repository("other/lib"), lib, OLD, digest("lib-config"), libLayer).tag("latest", lib, OLD);
        blobs(scan, OLD, tagged, untagged, elsewhere, lib, libLayer, digest("v1-config"), digest("untagged-config"),
                digest("elsewhere-config"), digest("lib-config"));

        PlannedRun run = PlannedRun.plan(scan, settings(true));

        String tainted = "repository has unreadable tags or links: all its manifests are kept";
        assertPlan(run.manifestPhase(), deleteManifest("other", elsewhere, UNTAGGED));
        assertPlan(run.blobPhase(),
                deleteLayerLink("other", digest("elsewhere-config"), "no kept manifest of other references it"),
                deleteBlob(elsewhere, UNREFERENCED_BLOB),
                deleteBlob(digest("elsewhere-config"), UNREFERENCED_BLOB));
        assertThat(run.keepReasons()).isEqualTo(Map.of(
                key("app", tagged), tainted,
                key("app", untagged), tainted,
                key("other/lib", lib), "tagged latest"));
        assertThat(run.sweepBlocked()).isNull();
    }

    @Test
    void aKeptUnreadableManifestKeepsItsRepositoryAndBlocksTheSweep() {
        Digest unreadable = digest("app@unreadable");
        Digest untagged = digest("app@untagged");
        Digest tagged = digest("app@v1");
        Digest elsewhere = digest("other@untagged");
        String problem = "cannot parse manifest: unexpected end of input";
        ScanFixture scan = new ScanFixture();
        var app = scan.repository("app").unreadable(unreadable, OLD, problem);
        push(app, untagged, OLD, digest("untagged-config"));
        push(app, tagged, OLD, digest("v1-config")).tag("v1", tagged, OLD);
        push(scan.repository("other"), elsewhere, OLD, digest("elsewhere-config"));
        blobs(scan, OLD, unreadable, untagged, tagged, elsewhere, digest("untagged-config"), digest("v1-config"),
                digest("elsewhere-config"), digest("orphan"));

        PlannedRun run = PlannedRun.plan(scan, settings(true));

        assertPlan(run.manifestPhase(), deleteManifest("other", elsewhere, UNTAGGED));
        assertPlan(run.blobPhase());
        assertThat(run.sweepBlocked()).isEqualTo("manifest app@" + unreadable + " is kept but unreadable (" + problem + ")");
        String unknownReferences = "repository has an unreadable manifest whose references are unknown";
        assertThat(run.keepReasons()).isEqualTo(Map.of(
                key("app", unreadable), "cannot be read, so it is kept: " + problem,
                key("app", untagged), unknownReferences,
                key("app", tagged), unknownReferences));
    }

    @Test
    void aSweepBlockingProblemLeavesTheManifestPhaseButPlansNoBlobPhase() {
        Digest tagged = digest("app@v1");
        Digest untagged = digest("app@untagged");
        ScanFixture scan = new ScanFixture()
                .problem(new StorageProblem("/storage/docker/registry/v2/repositories/team", "cannot list: Permission denied",
                        StorageProblem.Impact.SWEEP_BLOCKED));
        var app = scan.repository("app");
        push(app, tagged, OLD, digest("v1-config")).tag("v1", tagged, OLD);
        push(app, untagged, OLD, digest("untagged-config"));
        blobs(scan, OLD, tagged, untagged, digest("v1-config"), digest("untagged-config"), digest("orphan"));

        PlannedRun run = PlannedRun.plan(scan, settings(true));

        assertPlan(run.manifestPhase(), deleteManifest("app", untagged, UNTAGGED));
        assertPlan(run.blobPhase());
        assertThat(run.sweepBlocked()).isEqualTo("/storage/docker/registry/v2/repositories/team: cannot list: Permission denied");
    }

    // ------------------------------------------------------------------ blobs

    @Test
    void aBlobAnotherRepositoryStillUsesStaysThoughItsLinkHereGoes() {
        Digest keptImage = digest("a@latest");
        Digest deletedImage = digest("b@untagged");
        Digest sameImage = digest("a:same and b@same (one image pushed to both)");
        Digest shared = digest("layer in a and b");
        ScanFixture scan = new ScanFixture();
        var a = scan.repository("a");
        var b = scan.repository("b");
        push(a, keptImage, OLD, digest("a-config"), shared, digest("a-layer")).tag("latest", keptImage, OLD);
        push(a, sameImage, OLD, digest("same-config"), digest("same-layer")).tag("same", sameImage, OLD);
        push(b, deletedImage, OLD, digest("b-config"), shared, digest("b-layer"));
        push(b, sameImage, OLD, digest("same-config"), digest("same-layer"));
        blobs(scan, OLD, keptImage, deletedImage, sameImage, shared, digest("a-config"), digest("a-layer"),
                digest("b-config"), digest("b-layer"), digest("same-config"), digest("same-layer"));

        PlannedRun run = PlannedRun.plan(scan, settings(true));

        assertPlan(run.manifestPhase(),
                deleteManifest("b", deletedImage, UNTAGGED),
                deleteManifest("b", sameImage, UNTAGGED));
        String unusedInB = "no kept manifest of b references it";
        assertPlan(run.blobPhase(),
                deleteLayerLink("b", digest("b-config"), unusedInB),
                deleteLayerLink("b", digest("b-layer"), unusedInB),
                deleteLayerLink("b", shared, unusedInB),
                deleteLayerLink("b", digest("same-config"), unusedInB),
                deleteLayerLink("b", digest("same-layer"), unusedInB),
                deleteBlob(deletedImage, UNREFERENCED_BLOB),
                deleteBlob(digest("b-config"), UNREFERENCED_BLOB),
                deleteBlob(digest("b-layer"), UNREFERENCED_BLOB));
        assertThat(run.keepReasons()).isEqualTo(Map.of(
                key("a", keptImage), "tagged latest",
                key("a", sameImage), "tagged same"));
    }

    @Test
    void orphanBlobsGoWithTheirSizeEvenWithoutASelection() {
        Digest latest = digest("app@latest");
        Digest orphan = digest("orphan");
        Digest interrupted = digest("blob folder whose data file is gone");
        ScanFixture scan = new ScanFixture();
        push(scan.repository("app"), latest, OLD, digest("config"), digest("layer")).tag("latest", latest, OLD);
        blobs(scan, OLD, latest, digest("config"), digest("layer"));
        scan.blob(orphan, 4096, OLD).blob(interrupted, -1, OLD);

        PlannedRun run = PlannedRun.plan(scan, settings(false));

        assertPlan(run.manifestPhase());
        assertPlan(run.blobPhase(),
                deleteBlob(orphan, 4096, UNREFERENCED_BLOB),
                deleteBlob(interrupted, 0, "blob folder without data, referenced by no kept manifest"));
    }

    /**
     * Named blobs in more than two slices (planning looks at them a slice at a time, so that memory does not grow with
     * the registry): each blob is looked at once, each answer lands on its own blob, and what a later slice reports
     * reaches the run's problems; a look that fails fails the planning, naming what it looked at.
     */
    @Test
    void namedBlobsInManySlicesAreEachLookedAtOnceAndTheirAnswersStayWithThem() {
        ScanFixture scan = new ScanFixture();
        List<Digest> orphans = new ArrayList<>();
        Set<Digest> fresh = new HashSet<>(); // every third: a push in flight, it stays
        for (int i = 0; i < 12_345; i++) {
            Digest orphan = digest("orphan " + i);
            orphans.add(orphan);
            scan.namedBlob(orphan);
            if (i % 3 == 0) {
                fresh.add(orphan);
            }
        }
        Digest last = orphans.get(orphans.size() - 1);
        StorageProblem late = StorageProblem.noted("/storage/blobs/" + last, "noted in the last slice");
        List<Digest> asked = new ArrayList<>();
        GcPlanner.StorageLook look = blobsOnly((digests, problems) -> {
            asked.addAll(digests);
            if (digests.contains(last)) {
                problems.accept(late);
            }
            return digests.stream().map(d -> Optional.of(new BlobEntry(d, sizeOf(d), fresh.contains(d) ? FRESH : OLD)))
                    .toList();
        });

        PlannedRun run = PlannedRun.plan(scan, settings(false), look);

        assertThat(asked).hasSize(orphans.size()).containsExactlyInAnyOrderElementsOf(orphans);
        assertThat(run.blobPhase()).extracting(PlanItem::digest).containsExactlyInAnyOrderElementsOf(
                orphans.stream().filter(d -> !fresh.contains(d)).map(Digest::toString).toList());
        assertThat(run.blobPhase()).allSatisfy(item -> assertThat(item.bytes()).isEqualTo(sizeOf(Digest.parse(item.digest()))));
        assertThat(run.problems()).containsExactly(late.path() + ": " + late.message() + " (NOTED)");

        GcPlanner.StorageLook failing = blobsOnly((digests, problems) -> {
            if (digests.contains(last)) {
                throw new IOException("disk gone");
            }
            return digests.stream().map(d -> Optional.of(new BlobEntry(d, sizeOf(d), OLD))).toList();
        });
        assertThatThrownBy(() -> PlannedRun.plan(scan, settings(false), failing))
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("cannot look at the blobs the plan may delete: disk gone");
    }

    @Test
    void planningARunAgainReplacesItsPlanWithTheSameOne() {
        Retagged app = new Retagged();
        long runId = MigratedDatabase.startRun(settings(true));
        try {
            app.scan.storeInto(MigratedDatabase.jdbc(), runId);
            GcPlanner planner = new GcPlanner(MigratedDatabase.jdbc());
            planner.plan(runId);
            PlannedRun first = PlannedRun.read(runId);
            planner.plan(runId);
            PlannedRun second = PlannedRun.read(runId);

            assertThat(first.manifestPhase()).isNotEmpty();
            assertThat(first.blobPhase()).isNotEmpty();
            assertThat(second).isEqualTo(first);
        } finally {
            MigratedDatabase.forgetRun(runId);
        }
    }

    // ------------------------------------------------------------------ fixture helpers

    private static GcSettings settings(boolean deleteUntagged, String... images) {
        return new GcSettings("/storage", false, deleteUntagged, MIN_AGE,
                Arrays.stream(images).map(ImageSelector::parse).toList(), CREATED);
    }

    /** An image as a push leaves it: its manifest, and a {@code _layers} link for its config and every layer. */
    private static ScanFixture.Repository push(ScanFixture.Repository repository, Digest manifest, Instant modified,
            Digest config, Digest... layers) {
        repository.image(manifest, modified, config, layers).layerLink(config, modified);
        return links(repository, modified, layers);
    }

    private static ScanFixture.Repository links(ScanFixture.Repository repository, Instant modified, Digest... digests) {
        for (Digest digest : digests) {
            repository.layerLink(digest, modified);
        }
        return repository;
    }

    /** What the storage answers about the blobs the scan only named; a test's storage that names no layer link. */
    @FunctionalInterface
    private interface BlobLook {
        List<Optional<BlobEntry>> blobs(List<Digest> digests, Consumer<StorageProblem> problems) throws IOException;
    }

    private static GcPlanner.StorageLook blobsOnly(BlobLook answer) {
        return new GcPlanner.StorageLook() {
            @Override
            public List<Optional<Instant>> times(List<GcPlanner.NamedLink> links, Consumer<StorageProblem> problems) {
                throw new AssertionError("no layer link was named");
            }

            @Override
            public List<Optional<BlobEntry>> blobs(List<Digest> digests, Consumer<StorageProblem> problems)
                    throws IOException {
                return answer.blobs(digests, problems);
            }
        };
    }

    /** Blob folders with data, each of {@link #sizeOf its own size}. */
    private static void blobs(ScanFixture scan, Instant modified, Digest... digests) {
        for (Digest digest : digests) {
            scan.blob(digest, sizeOf(digest), modified);
        }
    }

    /** A size that differs from blob to blob, so that a plan naming the wrong blob's size is caught. */
    private static long sizeOf(Digest digest) {
        return 1 + Long.parseLong(digest.hex().substring(0, 6), 16);
    }

    private static String key(String repository, Digest digest) {
        return repository + "@" + digest;
    }

    // ------------------------------------------------------------------ expected plan items

    /** A plan item without its sequence number and phase (the phase is the list it was read from). */
    private record Planned(Action action, String repository, String tag, String digest, long bytes, String reason) {
        static Planned of(PlanItem item) {
            return new Planned(item.action(), item.repository(), item.tag(), item.digest(), item.bytes(), item.reason());
        }
    }

    private static void assertPlan(List<PlanItem> phase, Planned... expected) {
        assertThat(phase).extracting(Planned::of).containsExactlyInAnyOrder(expected);
    }

    private static Planned deleteTag(String repository, String tag, Digest digest, String reason) {
        return new Planned(Action.DELETE_TAG, repository, tag, digest.toString(), 0, reason);
    }

    private static Planned deleteManifest(String repository, Digest digest, String reason) {
        return new Planned(Action.DELETE_MANIFEST, repository, null, digest.toString(), 0, reason);
    }

    private static Planned deleteLayerLink(String repository, Digest digest, String reason) {
        return new Planned(Action.DELETE_LAYER_LINK, repository, null, digest.toString(), 0, reason);
    }

    private static Planned deleteRepository(String repository, String reason) {
        return new Planned(Action.DELETE_REPOSITORY, repository, null, null, 0, reason);
    }

    private static Planned deleteBlob(Digest digest, String reason) {
        return deleteBlob(digest, sizeOf(digest), reason);
    }

    private static Planned deleteBlob(Digest digest, long bytes, String reason) {
        return new Planned(Action.DELETE_BLOB, null, null, digest.toString(), bytes, reason);
    }
}
