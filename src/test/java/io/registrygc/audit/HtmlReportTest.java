package io.registrygc.audit;

import static io.registrygc.plan.Outcome.ALREADY_GONE;
import static io.registrygc.plan.Outcome.DELETED;
import static io.registrygc.plan.Outcome.DRIFTED;
import static io.registrygc.plan.Outcome.KEPT_CHANGED;
import static io.registrygc.plan.Outcome.PLANNED;
import static io.registrygc.plan.PlanItem.Action.DELETE_BLOB;
import static io.registrygc.plan.PlanItem.Action.DELETE_LAYER_LINK;
import static io.registrygc.plan.PlanItem.Action.DELETE_MANIFEST;
import static io.registrygc.plan.PlanItem.Action.DELETE_REPOSITORY;
import static io.registrygc.plan.PlanItem.Action.DELETE_TAG;
import static org.assertj.core.api.Assertions.assertThat;

import io.registrygc.audit.history.AuditEntry;
import io.registrygc.audit.history.ExecutionDetail;
import io.registrygc.audit.history.ExecutionSummary;
import io.registrygc.audit.history.RepositoryBytes;
import io.registrygc.audit.history.RuleBytes;
import io.registrygc.audit.history.StepSummary;
import io.registrygc.plan.Outcome;
import io.registrygc.plan.PlanItem;
import io.registrygc.plan.Totals;
import io.registrygc.policy.ImageSelector;
import io.registrygc.run.GcSettings;
import io.registrygc.testsupport.HeadlessChromium;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** {@code show --html}: the page's content and escaping, and (where Chromium is installed) how it renders. */
class HtmlReportTest {

    private static final OffsetDateTime T0 = OffsetDateTime.of(2025, 3, 4, 5, 6, 7, 0, ZoneOffset.ofHours(1));
    private static final Path OUT = Path.of("target", "html-report");

    private static final String NGINX = "library/nginx";
    private static final String APP = "team/app";
    private static final String OLD = "team/old";
    private static final String WEIRD = "weird<&>\"'/name";
    private static final String RULE_KEEP = "keep-last-5 <prod & staging>";
    private static final String RULE_UNTAGGED = "--delete-untagged";
    private static final String RULE_IMAGE = "--image library/nginx";
    private static final String EVIL_TAG = "<script>alert(1)</script>";
    private static final String EVIL_REASON = "tag </td><script>alert('x')</script> & more";
    private static final String STORAGE_ROOT = "/srv/registry & <data>";

    /** What the blobs that count add up to: 1 MiB + 5000 + 300 + 2000000 (shared) + 7777 (unreferenced) + 12345. */
    private static final long TOTAL_BYTES = 1_048_576 + 5_000 + 300 + 2_000_000 + 7_777 + 12_345;

    // -------------------------------------------------------------- fixture

    private static String digest(long seq) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(Long.toString(seq).getBytes(StandardCharsets.UTF_8));
            return "sha256:" + HexFormat.of().formatHex(hash);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static AuditEntry item(long seq, PlanItem.Action action, String repository, String tag, String rule,
            Outcome outcome, String reason) {
        return new AuditEntry(seq, action, repository, tag, action == DELETE_TAG || action == DELETE_REPOSITORY ? null : digest(seq),
                0, reason, rule, outcome, T0.plusSeconds(seq), null);
    }

    private static AuditEntry blob(long seq, long bytes, String rule, Outcome outcome, String... referencedBy) {
        return new AuditEntry(seq, DELETE_BLOB, null, null, digest(seq), bytes, "unreferenced blob", rule, outcome,
                T0.plusSeconds(seq), List.of(referencedBy));
    }

    /** 20 audit rows over 4 repositories (one with 0 bytes), a shared and an unreferenced blob, 3 rules. */
    static List<AuditEntry> audit(boolean dryRun) {
        Outcome done = dryRun ? PLANNED : DELETED;
        return List.of(
                item(1, DELETE_TAG, NGINX, "1.0", RULE_IMAGE, done, "--image library/nginx"),
                item(2, DELETE_TAG, NGINX, "1.1", RULE_IMAGE, done, "--image library/nginx"),
                item(3, DELETE_MANIFEST, NGINX, null, RULE_IMAGE, done, "untagged after tag deletion"),
                item(4, DELETE_TAG, APP, "v1", RULE_KEEP, done, "beyond the 5 newest"),
                item(5, DELETE_TAG, APP, "v2", RULE_KEEP, KEPT_CHANGED, "beyond the 5 newest"),
                item(6, DELETE_MANIFEST, APP, null, RULE_KEEP, done, "untagged after tag deletion"),
                item(7, DELETE_MANIFEST, APP, null, RULE_UNTAGGED, done, "untagged"),
                item(8, DELETE_LAYER_LINK, APP, null, RULE_UNTAGGED, done, "layer of no kept manifest"),
                item(9, DELETE_TAG, WEIRD, EVIL_TAG, RULE_KEEP, done, EVIL_REASON),
                item(10, DELETE_MANIFEST, WEIRD, null, RULE_KEEP, DRIFTED, "untagged after tag deletion"),
                item(11, DELETE_TAG, OLD, "latest", RULE_KEEP, done, "beyond the 5 newest"),
                item(12, DELETE_REPOSITORY, OLD, null, RULE_KEEP, done, "nothing left"),
                blob(13, 1_048_576, RULE_IMAGE, done, NGINX),
                blob(14, 5_000, RULE_KEEP, done, APP),
                blob(15, 300, RULE_UNTAGGED, ALREADY_GONE, APP),
                blob(16, 2_000_000, RULE_KEEP, done, NGINX, APP),
                blob(17, 7_777, RULE_UNTAGGED, done),
                blob(18, 12_345, RULE_KEEP, done, WEIRD),
                blob(19, 99_999, RULE_KEEP, KEPT_CHANGED, APP),
                blob(20, 4_242, RULE_IMAGE, DRIFTED, NGINX));
    }

    /** Per repository as {@code RepositoryBytes} documents it: by name, then (shared), then (blobs). */
    static List<RepositoryBytes> byRepository(List<AuditEntry> audit) {
        Map<String, Totals.Builder> named = new TreeMap<>();
        Map<String, Totals.Builder> special = new LinkedHashMap<>();
        special.put(RepositoryBytes.SHARED, null);
        special.put(RepositoryBytes.UNREFERENCED, null);
        for (AuditEntry a : audit) {
            if (!a.outcome().countsAsDone()) {
                continue;
            }
            String key = a.action() != DELETE_BLOB ? a.repository()
                    : a.referencedBy().isEmpty() ? RepositoryBytes.UNREFERENCED
                    : a.referencedBy().size() == 1 ? a.referencedBy().get(0) : RepositoryBytes.SHARED;
            Map<String, Totals.Builder> map = special.containsKey(key) ? special : named;
            if (map.get(key) == null) {
                map.put(key, new Totals.Builder());
            }
            map.get(key).add(a.action(), a.outcome(), 1, a.bytes());
        }
        List<RepositoryBytes> out = new ArrayList<>();
        named.forEach((name, t) -> out.add(new RepositoryBytes(name, t.build())));
        special.forEach((name, t) -> {
            if (t != null) {
                out.add(new RepositoryBytes(name, t.build()));
            }
        });
        return out;
    }

    /** Per rule, most bytes first. */
    static List<RuleBytes> byRule(List<AuditEntry> audit) {
        Map<String, Totals.Builder> rules = new TreeMap<>();
        for (AuditEntry a : audit) {
            if (a.outcome().countsAsDone()) {
                rules.computeIfAbsent(a.rule() == null ? RuleBytes.UNKNOWN : a.rule(), r -> new Totals.Builder())
                        .add(a.action(), a.outcome(), 1, a.bytes());
            }
        }
        List<RuleBytes> out = new ArrayList<>();
        rules.forEach((rule, t) -> out.add(new RuleBytes(rule, t.build())));
        out.sort(Comparator.comparingLong((RuleBytes r) -> -r.totals().bytes()).thenComparing(RuleBytes::rule));
        return out;
    }

    static Totals totals(List<AuditEntry> audit) {
        Totals.Builder builder = new Totals.Builder();
        audit.forEach(a -> builder.add(a.action(), a.outcome(), 1, a.bytes()));
        return builder.build();
    }

    static ExecutionDetail detail(boolean dryRun) {
        List<AuditEntry> audit = audit(dryRun);
        GcSettings settings = new GcSettings(STORAGE_ROOT, dryRun, true, Duration.ofHours(1),
                List.of(ImageSelector.parse(NGINX)), Instant.parse("2025-03-04T04:00:00Z"));
        ExecutionSummary summary = new ExecutionSummary(42, 7, T0.minusSeconds(2), T0, T0.plusSeconds(95), "COMPLETED",
                "COMPLETED", "", settings, totals(audit));
        List<StepSummary> steps = List.of(
                new StepSummary(101, "scan", "COMPLETED", "COMPLETED", 120, 120, 0, 0, 2, 0, T0, T0.plusSeconds(30), null),
                new StepSummary(102, "plan <tags & manifests>", "COMPLETED", "COMPLETED", 40, 20, 20, 0, 1, 0,
                        T0.plusSeconds(30), T0.plusNanos(31_500_000_000L), null),
                new StepSummary(103, "delete", "COMPLETED", "COMPLETED", 20, 20, 0, 1, 1, 0, T0.plusSeconds(32),
                        T0.plusSeconds(95), null));
        return new ExecutionDetail(summary, steps, audit, byRepository(audit), byRule(audit));
    }

    // ------------------------------------------------------- page content

    @Test
    void theFixtureAddsUp() {
        ExecutionDetail detail = detail(false);
        assertThat(detail.summary().totals().bytes()).isEqualTo(TOTAL_BYTES);
        assertThat(detail.bytesByRepository()).extracting(RepositoryBytes::repository)
                .containsExactly(NGINX, APP, OLD, WEIRD, RepositoryBytes.SHARED, RepositoryBytes.UNREFERENCED);
        assertThat(detail.bytesByRepository().stream().mapToLong(r -> r.totals().bytes()).sum()).isEqualTo(TOTAL_BYTES);
        assertThat(detail.bytesByRule()).extracting(RuleBytes::rule).containsExactly(RULE_KEEP, RULE_IMAGE, RULE_UNTAGGED);
        assertThat(detail.summary().totals().keptChanged()).isEqualTo(2);
        assertThat(detail.summary().totals().drifted()).isEqualTo(2);
    }

    @Test
    void escapesEveryTextFromStorage() {
        String html = HtmlReport.render(detail(false));
        assertThat(html).startsWith("<!DOCTYPE html>").endsWith("</html>\n");
        assertThat(html).doesNotContain(EVIL_TAG).doesNotContain("alert('x')").doesNotContain(WEIRD)
                .doesNotContain(RULE_KEEP).doesNotContain(STORAGE_ROOT);
        assertThat(html).contains("&lt;script&gt;alert(1)&lt;/script&gt;")
                .contains("tag &lt;/td&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; more")
                .contains("weird&lt;&amp;&gt;&quot;&#39;/name")
                .contains("keep-last-5 &lt;prod &amp; staging&gt;")
                .contains("/srv/registry &amp; &lt;data&gt;")
                .contains("plan &lt;tags &amp; manifests&gt;");
        assertThat(count(html, "<script")).as("only the page's own sorting script").isEqualTo(1);
        assertThat(count(html, "</script>")).isEqualTo(1);
    }

    @Test
    void controlCharactersAndBrokenSurrogatesDoNotBreakThePage() {
        StringBuilder out = new StringBuilder();
        HtmlReport.text(out, "a\u0000b\u001bc\td\ud800e\ud83d\ude00f");
        assertThat(out.toString()).isEqualTo("a&#xFFFD;b&#xFFFD;c\td&#xFFFD;e\ud83d\ude00f");
    }

    @Test
    void isSelfContained() {
        String html = HtmlReport.render(detail(false));
        assertThat(html).doesNotContainIgnoringCase("http:").doesNotContainIgnoringCase("https:")
                .doesNotContainIgnoringCase("src=").doesNotContainIgnoringCase("href=")
                .doesNotContainIgnoringCase("<link").doesNotContainIgnoringCase("@import")
                .doesNotContainIgnoringCase("url(");
        assertThat(html).contains("<style>").contains("<svg id=\"by-repository\"").contains("<svg id=\"by-rule\"");
    }

    @Test
    void summaryHasTheFiguresOfTheExecution() {
        ExecutionDetail detail = detail(false);
        String html = HtmlReport.render(detail);
        assertThat(html).contains("<title>registry-gc execution 42</title>")
                .contains("<h1>registry-gc execution 42</h1>")
                .contains("<th>run id</th><td>7</td>")
                .contains("COMPLETED</span> (exit code COMPLETED)")
                .contains("<th>duration</th><td>1m35s</td>")
                .contains("--delete-untagged --min-age 1h --image library/nginx")
                .contains("<th>deleted</th>")
                .contains("<h2>Bytes reclaimed per repository</h2>")
                .contains("Deleted items (20)")
                .doesNotContain("dry run").doesNotContain("Planned deletions");
        assertThat(attribute(html, "total-bytes", "data-bytes")).isEqualTo(Long.toString(TOTAL_BYTES));
        assertThat(html).contains("data-bytes=\"" + TOTAL_BYTES + "\">" + TOTAL_BYTES + "</span> (2.9 MiB)");
        assertThat(attribute(html, "item-count", "data-count")).isEqualTo("20");
        assertThat(attribute(html, "kept-changed", "data-count")).isEqualTo("2");
        assertThat(attribute(html, "drifted", "data-count")).isEqualTo("2");
        Totals t = detail.summary().totals();
        for (PlanItem.Action action : PlanItem.Action.values()) {
            assertThat(html).contains("data-action=\"" + action + "\" data-count=\"" + t.count(action) + "\"");
        }
        assertThat(t.count(DELETE_TAG)).isEqualTo(5);
        assertThat(t.count(DELETE_BLOB)).isEqualTo(6);
    }

    @Test
    void aDryRunSaysWhatItWouldDelete() {
        String html = HtmlReport.render(detail(true));
        assertThat(html).contains("<title>registry-gc execution 42 (dry run)</title>")
                .contains("<h1>registry-gc execution 42 <span class=\"dry\">(dry run)</span></h1>")
                .contains("<th>would delete</th>").contains("<th>bytes to reclaim</th>")
                .contains("--dry-run --delete-untagged")
                .contains("Planned deletions (20)").doesNotContain("Deleted items");
        assertThat(attribute(html, "total-bytes", "data-bytes")).isEqualTo(Long.toString(TOTAL_BYTES));
    }

    @Test
    void oneBarPerRepositoryAndPerRuleScaledToTheLargest() {
        ExecutionDetail detail = detail(false);
        String html = HtmlReport.render(detail);
        List<Bar> repositories = bars(svg(html, "by-repository"), "data-repository");
        assertThat(repositories).extracting(Bar::name)
                .containsExactlyElementsOf(detail.bytesByRepository().stream().map(RepositoryBytes::repository).toList());
        assertThat(repositories.stream().mapToLong(Bar::bytes).sum()).isEqualTo(TOTAL_BYTES);
        assertThat(repositories).filteredOn(b -> b.name().equals(OLD)).singleElement()
                .satisfies(b -> assertThat(b.width()).isEqualTo(0.0));
        assertThat(repositories).filteredOn(b -> b.name().equals(RepositoryBytes.SHARED)).singleElement()
                .satisfies(b -> assertThat(b.width()).isEqualTo(480.0));
        assertThat(repositories).filteredOn(b -> b.name().equals(APP)).singleElement()
                .satisfies(b -> assertThat(b.width()).isEqualTo(1.3)); // 5300 / 2000000 * 480
        List<Bar> rules = bars(svg(html, "by-rule"), "data-rule");
        assertThat(rules).extracting(Bar::name).containsExactly(RULE_KEEP, RULE_IMAGE, RULE_UNTAGGED);
        assertThat(rules).extracting(Bar::bytes).containsExactly(2_017_345L, 1_048_576L, 8_077L);
        assertThat(rules.get(0).width()).isEqualTo(480.0);
        assertThat(svg(html, "by-repository")).contains("<title>team/old: 0 bytes (0 B); 1 tags, 0 manifests, 0 layer links, 1 repositories, 0 blobs</title>");
    }

    @Test
    void chartsOfNothingOrOfZeroBytesDoNotDivideByZero() {
        ExecutionSummary summary = new ExecutionSummary(3, 3, null, null, null, "STARTING", null, null, null, Totals.NONE);
        String empty = HtmlReport.render(new ExecutionDetail(summary, List.of(), List.of(), List.of(), List.of()));
        assertThat(bars(svg(empty, "by-repository"), "data-repository")).isEmpty();
        assertThat(bars(svg(empty, "by-rule"), "data-rule")).isEmpty();
        assertThat(attribute(empty, "item-count", "data-count")).isEqualTo("0");
        assertThat(attribute(empty, "total-bytes", "data-bytes")).isEqualTo("0");
        assertThat(empty).contains("<table id=\"items\">").contains("<th>storage root</th><td class=\"mono\">-</td>")
                .doesNotContain("NaN").doesNotContain("Infinity\"");

        List<AuditEntry> tagsOnly = List.of(item(1, DELETE_TAG, NGINX, "a", null, DELETED, "x"),
                item(2, DELETE_TAG, APP, "b", null, DELETED, "y"));
        String zero = HtmlReport.render(new ExecutionDetail(new ExecutionSummary(4, 4, T0, T0, T0, "COMPLETED",
                "COMPLETED", null, null, totals(tagsOnly)), List.of(), tagsOnly, byRepository(tagsOnly), byRule(tagsOnly)));
        assertThat(bars(svg(zero, "by-repository"), "data-repository")).extracting(Bar::width).containsExactly(0.0, 0.0);
        assertThat(bars(svg(zero, "by-rule"), "data-rule")).extracting(Bar::name).containsExactly(RuleBytes.UNKNOWN);
        assertThat(zero).doesNotContain("NaN");
    }

    @Test
    void everyAuditRowIsATableRow() {
        String html = HtmlReport.render(detail(false));
        assertThat(count(html, "<tr data-seq=\"")).isEqualTo(20);
        assertThat(html).contains("<tr data-seq=\"16\"><td>16</td><td>DELETE_BLOB</td><td>(library/nginx team/app)</td><td>-</td><td>"
                + digest(16) + "</td><td>2000000</td><td>DELETED</td>");
        assertThat(html).contains("<tr data-seq=\"17\"><td>17</td><td>DELETE_BLOB</td><td>-</td>");
        assertThat(html).contains("<tr data-seq=\"5\" class=\"kept\"><td>5</td><td>DELETE_TAG</td><td>team/app</td><td>v2</td>");
        assertThat(html).contains("<tr data-seq=\"10\" class=\"kept\">").contains("<td>DRIFTED</td>")
                .contains("<td>KEPT_CHANGED</td>").contains("<td>ALREADY_GONE</td>");
    }

    @Test
    void aHundredThousandRowsRender() {
        int rows = 100_000;
        List<AuditEntry> audit = new ArrayList<>(rows);
        for (int i = 1; i <= rows; i++) {
            audit.add(i % 4 == 0 ? blob(i, i, "rule " + i % 7, DELETED, "repo/" + i % 50)
                    : item(i, i % 4 == 1 ? DELETE_TAG : DELETE_MANIFEST, "repo/" + i % 50, "t" + i, "rule " + i % 7,
                            i % 97 == 0 ? KEPT_CHANGED : DELETED, "reason <" + i + ">"));
        }
        ExecutionDetail detail = new ExecutionDetail(new ExecutionSummary(9, 9, T0, T0, T0.plusHours(1), "COMPLETED",
                "COMPLETED", null, null, totals(audit)), List.of(), audit, byRepository(audit), byRule(audit));
        String html = HtmlReport.render(detail);
        assertThat(count(html, "<tr data-seq=\"")).isEqualTo(rows);
        assertThat(attribute(html, "item-count", "data-count")).isEqualTo(Integer.toString(rows));
        assertThat(bars(svg(html, "by-repository"), "data-repository")).hasSize(50);
        assertThat(html).endsWith("</html>\n");
    }

    // ------------------------------------------------------------ Chromium

    @Test
    void rendersInChromiumWithoutErrors() throws Exception {
        HeadlessChromium.requireChromium();
        ExecutionDetail detail = detail(false);
        Files.createDirectories(OUT);
        Path file = OUT.resolve("report.html");
        Files.writeString(file, HtmlReport.render(detail), StandardCharsets.UTF_8);

        HeadlessChromium.Page page = HeadlessChromium.load(file, OUT.resolve("report.png"));

        assertThat(page.consoleErrors()).isEmpty();
        assertThat(Files.size(OUT.resolve("report.png"))).isPositive();
        List<Bar> bars = bars(svg(page.dom(), "by-repository"), "data-repository");
        assertThat(bars).hasSize(detail.bytesByRepository().size());
        assertThat(bars.stream().mapToLong(Bar::bytes).sum()).isEqualTo(detail.summary().totals().bytes());
        assertThat(bars).extracting(Bar::name)
                .containsExactlyElementsOf(detail.bytesByRepository().stream().map(RepositoryBytes::repository).toList());
        assertThat(bars(svg(page.dom(), "by-rule"), "data-rule")).hasSize(detail.bytesByRule().size());
        assertThat(attribute(page.dom(), "item-count", "data-count")).isEqualTo(Integer.toString(detail.audit().size()));
        assertThat(attribute(page.dom(), "total-bytes", "data-bytes")).isEqualTo(Long.toString(TOTAL_BYTES));
        assertThat(seqs(page.dom())).hasSize(detail.audit().size());
        assertThat(page.dom()).doesNotContain("<script>alert");
        // the sorting script ran: it made every header focusable
        assertThat(page.dom()).contains("<th data-type=\"number\" tabindex=\"0\"");
    }

    @Test
    void clickingAHeaderSortsTheItems() throws Exception {
        HeadlessChromium.requireChromium();
        ExecutionDetail detail = detail(false);
        Files.createDirectories(OUT);
        Path file = OUT.resolve("report-sorted.html");
        String bytesDescending = "<script>var th = document.querySelectorAll('#items thead th')[5]; th.click(); th.click();</script>\n";
        Files.writeString(file, HtmlReport.render(detail).replace("</body>", bytesDescending + "</body>"),
                StandardCharsets.UTF_8);

        HeadlessChromium.Page page = HeadlessChromium.load(file, OUT.resolve("report-sorted.png"));

        assertThat(page.consoleErrors()).isEmpty();
        List<Long> expected = detail.audit().stream()
                .sorted(Comparator.comparingLong((AuditEntry a) -> -a.bytes()).thenComparingLong(AuditEntry::seq))
                .map(AuditEntry::seq).toList();
        assertThat(seqs(page.dom())).containsExactlyElementsOf(expected);
        assertThat(page.dom()).contains("aria-sort=\"descending\"");
    }

    @Test
    void chromiumConsoleErrorsAreDetected() throws Exception {
        HeadlessChromium.requireChromium();
        Files.createDirectories(OUT);
        Path broken = OUT.resolve("broken.html");
        Files.writeString(broken, """
                <!DOCTYPE html><html><head><meta charset="utf-8"><title>broken</title></head><body><p>broken</p>
                <script>console.error("reported <&>");</script>
                <script>notDefined();</script>
                <script>setTimeout(function () { throw new Error("late boom"); }, 10);</script>
                </body></html>
                """, StandardCharsets.UTF_8);
        HeadlessChromium.Page page = HeadlessChromium.load(broken, OUT.resolve("broken.png"));
        String url = broken.toAbsolutePath().toUri().toString();
        assertThat(page.consoleErrors()).containsExactlyInAnyOrder("reported <&> (" + url + ":2)",
                "Uncaught ReferenceError: notDefined is not defined (" + url + ":3)",
                "Uncaught Error: late boom (" + url + ":4)");
        assertThat(page.dom()).contains("<p>broken</p>");
    }

    @Test
    void consoleLinesAreReadFromChromiumsStderr() {
        String stderr = """
                /usr/bin/chromium: 9: [: 25274949632: unexpected operator
                [8584:8613:1128/152208.464459:ERROR:dbus/bus.cc:405] Failed to connect to the bus: Failed to connect to socket /run/dbus/system_bus_socket: No such file or directory
                [8649:8649:1128/152208.973978:WARNING:media/gpu/vaapi/vaapi_wrapper.cc:1655] drmGetDevices2() has not found any devices
                [8584:8584:1128/152210.503008:INFO:CONSOLE:2] "my console error <&>", source: file:///tmp/chx/broken.html (2)
                [8584:8584:1128/152210.503191:INFO:CONSOLE:3] "Uncaught ReferenceError: undefinedFunction is not defined", source: file:///tmp/chx/broken.html (3)
                [8907:8907:1128/152225.051056:INFO:CONSOLE:2] "line one
                line two", source: file:///tmp/chx/multi.html (2)
                [1:1:0101/000000.000000:INFO:CONSOLE(7)] "older format", source: file:///tmp/x.html (7)
                [8907:8907:1128/152225.051099:INFO:CONSOLE:12] "from the browser itself", source: chrome://omnibox-popup.top-chrome/x.js (12)
                12036 bytes written to file /tmp/chx/b.png
                """;
        assertThat(HeadlessChromium.consoleErrors(stderr)).containsExactly(
                "my console error <&> (file:///tmp/chx/broken.html:2)",
                "Uncaught ReferenceError: undefinedFunction is not defined (file:///tmp/chx/broken.html:3)",
                "line one\nline two (file:///tmp/chx/multi.html:2)",
                "older format (file:///tmp/x.html:7)");
        assertThat(HeadlessChromium.consoleErrors("[1:1:0101/000000.000000:ERROR:gpu/x.cc:1] GPU noise\n")).isEmpty();
    }

    // ------------------------------------------------------------- helpers

    record Bar(String name, long bytes, double width) {
    }

    private static final Pattern BAR = Pattern.compile("<rect\\b[^>]*\\bclass=\"bar(?: [^\"]*)?\"[^>]*>");

    /** The bars of one chart, in order; works on the rendered page and on Chromium's serialized DOM alike. */
    static List<Bar> bars(String svg, String nameAttribute) {
        List<Bar> bars = new ArrayList<>();
        Matcher m = BAR.matcher(svg);
        while (m.find()) {
            String tag = m.group();
            bars.add(new Bar(unescape(value(tag, nameAttribute)), Long.parseLong(value(tag, "data-bytes")),
                    Double.parseDouble(value(tag, "width"))));
        }
        return bars;
    }

    /** From {@code <svg id="ID"} to its {@code </svg>}. */
    static String svg(String html, String id) {
        int start = html.indexOf("<svg id=\"" + id + "\"");
        assertThat(start).as("svg #" + id).isNotNegative();
        int end = html.indexOf("</svg>", start);
        assertThat(end).isPositive();
        return html.substring(start, end);
    }

    /** The {@code data-seq} of the rows of {@code #items}, in document order. */
    static List<Long> seqs(String html) {
        int start = html.indexOf("<table id=\"items\"");
        String table = html.substring(start, html.indexOf("</table>", start));
        List<Long> seqs = new ArrayList<>();
        Matcher m = Pattern.compile("<tr data-seq=\"(\\d+)\"").matcher(table);
        while (m.find()) {
            seqs.add(Long.parseLong(m.group(1)));
        }
        return seqs;
    }

    /** The value of {@code attribute} on the element with {@code id}. */
    static String attribute(String html, String id, String attribute) {
        int start = html.indexOf(" id=\"" + id + "\"");
        assertThat(start).as("#" + id).isNotNegative();
        int tagStart = html.lastIndexOf('<', start);
        return value(html.substring(tagStart, html.indexOf('>', start) + 1), attribute);
    }

    private static String value(String tag, String attribute) {
        Matcher m = Pattern.compile("\\s" + Pattern.quote(attribute) + "=\"([^\"]*)\"").matcher(tag);
        assertThat(m.find()).as(attribute + " in " + tag).isTrue();
        return m.group(1);
    }

    private static String unescape(String value) {
        return value.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#39;", "'")
                .replace("&amp;", "&");
    }

    private static int count(String text, String part) {
        int count = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + part.length())) {
            count++;
        }
        return count;
    }
}
