package io.registrygc.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.registrygc.e2e.support.E2eDirs;
import io.registrygc.e2e.support.Image;
import io.registrygc.e2e.support.ImageFactory;
import io.registrygc.e2e.support.RegistryClient;
import io.registrygc.e2e.support.RegistryServer;
import io.registrygc.e2e.support.StorageSnapshot;
import io.registrygc.storage.Digest;
import io.registrygc.testsupport.Gc;
import io.registrygc.testsupport.HeadlessChromium;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A dry run's plan applied later ({@code registry-gc apply}) on storage written by the real registry: between the
 * two, a planned tag moves, a planned blob gains a reference and a new orphan appears. The apply skips and reports
 * the first two as drift, deletes everything else in the plan and nothing outside it; its audit has a reason for every
 * item, its bytes per repository and per rule add up to the bytes removed from disk, and its HTML report shows them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ApplyPlanIT {

    private static final String API = "shop/api";
    private static final String WEB = "shop/web";
    private static final String NEW = "shop/new";
    private static final ObjectMapper JSON = new ObjectMapper();

    private Path storage;
    private Image v1;
    private Image v2;
    private Image v3;
    private Image webOld;
    private Image webLatest;
    private Image reuser;
    private Digest orphan;
    private Digest lateOrphan;
    private long dryExecution;
    private long dryRunId;
    private Gc.Result apply;
    private long applyExecution;
    private Map<Digest, Long> sizesBeforeApply;
    private Set<Digest> blobsAfterApply;

    @BeforeAll
    void planChangeAndApply() throws IOException {
        RegistryServer.requireRegistry();
        storage = E2eDirs.newWorkDir("apply-plan").resolve("storage");
        RegistryServer server = RegistryServer.start(storage);
        ImageFactory images = new ImageFactory(new RegistryClient(server), 99L);
        v1 = images.dockerImage(API, "v1");
        v2 = images.dockerImage(API, "v2");
        v3 = images.dockerImage(API, "v3");
        webOld = images.ociImage(WEB, "old");
        webLatest = images.ociImage(WEB, "latest");
        orphan = images.pushRandomBlob(API, 3000);
        server.stop();
        RetentionIT.pushed(storage, API, "v1", Duration.ofDays(20));
        RetentionIT.pushed(storage, API, "v2", Duration.ofDays(15));
        RetentionIT.pushed(storage, API, "v3", Duration.ofDays(1));
        RetentionIT.pushed(storage, WEB, "old", Duration.ofDays(20));
        RetentionIT.pushed(storage, WEB, "latest", Duration.ofDays(1));

        Gc.Result dry = Gc.run(storage, "--dry-run", "--repository", "shop/**", "--keep-last", "1", "--min-age", "0");
        assertThat(dry.exitCode()).as(dry.toString()).isZero();
        dryRunId = Gc.lastRunId(storage);
        dryExecution = lastExecution();

        // the storage changes after the plan: v1 moves to v3's manifest, a new image reuses a layer of v2, and a
        // new orphan appears (not in the plan, so it must survive the apply)
        server = RegistryServer.start(storage);
        RegistryClient client = new RegistryClient(server);
        images = new ImageFactory(client, 100L);
        client.pushManifest(API, "v1", v3.mediaType(), v3.manifestBytes());
        client.pushBlob(NEW, Files.readAllBytes(StorageSnapshot.blobData(storage, v2.layers().get(0))));
        reuser = images.image(NEW).docker().reuseLayers(v2.layers().get(0)).freshLayers(1).tag("x").push();
        lateOrphan = images.pushRandomBlob(NEW, 2000);
        server.stop();

        sizesBeforeApply = StorageSnapshot.blobSizes(storage);
        apply = Gc.run("apply", Long.toString(dryExecution));
        applyExecution = lastExecution();
        blobsAfterApply = StorageSnapshot.blobDigests(storage);
    }

    @Test
    void applyCarriesOutThePlanExceptWhatDrifted() {
        assertThat(apply.exitCode()).as(apply.toString()).isZero();
        // v2 and web:old went as planned, with their blobs
        assertThat(StorageSnapshot.tags(storage, API).keySet()).containsExactlyInAnyOrder("v1", "v3");
        assertThat(StorageSnapshot.tags(storage, WEB).keySet()).containsExactly("latest");
        assertThat(StorageSnapshot.manifestRevisions(storage, API)).doesNotContain(v2.manifest());
        assertThat(blobsAfterApply).doesNotContain(v2.manifest(), v2.config(), webOld.manifest(), orphan)
                .doesNotContainAnyElementsOf(webOld.layers());
        // the moved tag stays, and so does the manifest it pointed at in the plan (kept now: untagged)
        assertThat(StorageSnapshot.tags(storage, API).get("v1")).isEqualTo(v3.manifest());
        assertThat(StorageSnapshot.manifestRevisions(storage, API)).contains(v1.manifest(), v3.manifest());
        assertThat(blobsAfterApply).containsAll(v1.allBlobs());
        // the layer that gained a reference stays; the new image is whole
        assertThat(blobsAfterApply).containsAll(reuser.allBlobs()).containsAll(v3.allBlobs()).containsAll(webLatest.allBlobs());
        // nothing outside the plan: the new orphan is garbage now, but the plan did not list it
        assertThat(blobsAfterApply).contains(lateOrphan);

        Map<String, String> outcomes = new HashMap<>();
        Gc.jdbc().query("""
                SELECT action, COALESCE(repository, ''), COALESCE(tag, ''), COALESCE(digest, ''), outcome, reason
                  FROM gc_audit WHERE job_execution_id = ?""", rs -> {
            outcomes.put(rs.getString(1) + " " + rs.getString(2) + " " + rs.getString(3) + " " + rs.getString(4),
                    rs.getString(5) + " " + rs.getString(6));
        }, applyExecution);
        assertThat(outcomes.get("DELETE_TAG " + API + " v1 " + v1.manifest())).startsWith("DRIFTED").contains("moved to " + v3.manifest());
        assertThat(outcomes.get("DELETE_MANIFEST " + API + "  " + v1.manifest())).startsWith("DRIFTED").contains("kept now");
        assertThat(outcomes.get("DELETE_BLOB   " + v2.layers().get(0))).startsWith("DRIFTED")
                .contains("a kept manifest of " + NEW + " references it now");
        assertThat(outcomes.get("DELETE_TAG " + API + " v2 " + v2.manifest())).startsWith("DELETED");
        assertThat(outcomes.get("DELETE_BLOB   " + orphan)).startsWith("DELETED");
        assertThat(outcomes.get("DELETE_BLOB   " + lateOrphan)).isNull();

        // the apply's items are exactly the dry run's plan
        Set<String> planned = new HashSet<>(Gc.jdbc().queryForList("""
                SELECT action || ' ' || COALESCE(repository, '') || ' ' || COALESCE(tag, '') || ' ' || COALESCE(digest, '')
                  FROM gc_plan_item WHERE run_id = ?""", String.class, dryRunId));
        assertThat(outcomes.keySet()).isEqualTo(planned);
        // and every deleted blob was planned
        Set<Digest> removed = new HashSet<>(sizesBeforeApply.keySet());
        removed.removeAll(blobsAfterApply);
        assertThat(removed).allSatisfy(d -> assertThat(planned).contains("DELETE_BLOB   " + d));
    }

    @Test
    void showAccountsForEveryByteRemoved() throws IOException {
        Gc.Result show = Gc.run("show", Long.toString(applyExecution), "--json");
        assertThat(show.exitCode()).as(show.toString()).isZero();
        JsonNode node = JSON.readTree(show.out());
        long removedFromDisk = 0;
        for (Map.Entry<Digest, Long> blob : sizesBeforeApply.entrySet()) {
            if (!blobsAfterApply.contains(blob.getKey())) {
                removedFromDisk += blob.getValue();
            }
        }
        assertThat(removedFromDisk).isPositive();
        assertThat(node.path("bytesReclaimed").asLong()).isEqualTo(removedFromDisk);
        assertThat(sum(node.path("bytesByRepository"))).isEqualTo(removedFromDisk);
        assertThat(sum(node.path("bytesByRule"))).isEqualTo(removedFromDisk);
        assertThat(node.path("drifted").asLong()).isPositive();
        for (JsonNode row : node.path("audit")) {
            assertThat(row.path("reason").asText()).as(row.toString()).isNotBlank();
            assertThat(row.path("rule").asText()).as(row.toString()).isNotBlank();
        }
        // the tags went by the command line's policy rule
        List<String> rules = node.path("bytesByRule").findValuesAsText("rule");
        assertThat(rules).anyMatch(rule -> rule.startsWith("policy 'command line' rule"));
        assertThat(Gc.run("show", Long.toString(applyExecution)).out()).contains("skipped (drift)", "bytes by rule:");
    }

    @Test
    void htmlReportShowsTheAuditsFigures() throws Exception {
        Path html = E2eDirs.newWorkDir("apply-plan-report").resolve("report.html");
        Gc.Result written = Gc.run("show", Long.toString(applyExecution), "--html", html.toString());
        assertThat(written.exitCode()).as(written.toString()).isZero();
        JsonNode node = JSON.readTree(Gc.run("show", Long.toString(applyExecution), "--json").out());
        String page = Files.readString(html);
        assertThat(page).doesNotContain("http://", "https://").contains("shop/web");
        if (!HeadlessChromium.available()) {
            assertThat(Boolean.parseBoolean(System.getenv("REGISTRY_GC_REQUIRE_E2E")))
                    .as("chromium must be installed where REGISTRY_GC_REQUIRE_E2E=true").isFalse();
            Assumptions.abort("chromium is not installed");
        }
        HeadlessChromium.Page loaded = HeadlessChromium.load(html, html.resolveSibling("report.png"));
        assertThat(loaded.consoleErrors()).isEmpty();
        List<Long> bars = barBytes(loaded.dom(), "by-repository");
        assertThat(bars).hasSize(node.path("bytesByRepository").size());
        assertThat(bars.stream().mapToLong(Long::longValue).sum()).isEqualTo(node.path("bytesReclaimed").asLong());
        assertThat(barBytes(loaded.dom(), "by-rule")).hasSize(node.path("bytesByRule").size());
        assertThat(Files.size(html.resolveSibling("report.png"))).isPositive();
    }

    @Test
    void onlyACompletedDryRunCanBeApplied() {
        Gc.Result notDry = Gc.run("apply", Long.toString(applyExecution));
        assertThat(notDry.exitCode()).as(notDry.toString()).isEqualTo(2);
        assertThat(notDry.err()).contains("not a dry run");
        Gc.Result unknown = Gc.run("apply", "987654321");
        assertThat(unknown.exitCode()).as(unknown.toString()).isEqualTo(2);
        assertThat(unknown.err()).contains("no job execution 987654321");
    }

    /** The data-bytes of every bar of one chart, as the browser's DOM has them after loading. */
    private static List<Long> barBytes(String dom, String chart) {
        int start = dom.indexOf("id=\"" + chart + "\"");
        assertThat(start).as("chart " + chart).isNotNegative();
        String svg = dom.substring(start, dom.indexOf("</svg>", start));
        List<Long> out = new java.util.ArrayList<>();
        java.util.regex.Matcher bar = java.util.regex.Pattern.compile("<rect[^>]*class=\"bar\"[^>]*>").matcher(svg);
        while (bar.find()) {
            java.util.regex.Matcher bytes = java.util.regex.Pattern.compile("data-bytes=\"(\\d+)\"").matcher(bar.group());
            assertThat(bytes.find()).as(bar.group()).isTrue();
            out.add(Long.parseLong(bytes.group(1)));
        }
        return out;
    }

    private static long sum(JsonNode entries) {
        long total = 0;
        for (JsonNode entry : entries) {
            total += entry.path("bytes").asLong();
        }
        return total;
    }

    private static long lastExecution() {
        return Gc.jdbc().queryForObject("SELECT MAX(job_execution_id) FROM gc_execution", Long.class);
    }
}
