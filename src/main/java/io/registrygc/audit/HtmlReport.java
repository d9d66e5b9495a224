package io.registrygc.audit;

import io.registrygc.audit.history.AuditEntry;
import io.registrygc.audit.history.ExecutionDetail;
import io.registrygc.audit.history.ExecutionSummary;
import io.registrygc.audit.history.RepositoryBytes;
import io.registrygc.audit.history.RuleBytes;
import io.registrygc.audit.history.StepSummary;
import io.registrygc.plan.PlanItem;
import io.registrygc.plan.Totals;
import io.registrygc.run.GcSettings;
import io.registrygc.units.ByteSize;
import io.registrygc.units.Durations;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;

/**
 * One job execution as a single self-contained HTML5 page ({@code show EXECUTION_ID --html FILE}): the summary,
 * the bytes per repository and per rule as inline SVG bar charts, the steps, and every audit row in a table that
 * sorts by a click on a column header. Nothing is fetched: the style, the charts and the small sorting script are
 * all inline. Every text from storage or the database is HTML-escaped.
 *
 * <p>Fixed hooks for tools and tests: {@code <span id="total-bytes" data-bytes="N">}, {@code <span
 * id="item-count" data-count="N">}, {@code <svg id="by-repository">} and {@code <svg id="by-rule">} with one
 * {@code <rect class="bar" data-repository|data-rule="NAME" data-bytes="N">} per entry, and {@code <table
 * id="items">} with one {@code <tr data-seq="N">} per audit row.
 */
public final class HtmlReport {

    private static final DateTimeFormatter TEXT_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT);

    /** Chart geometry, in SVG user units (pixels at 100%). */
    private static final int CHART_WIDTH = 960;
    private static final int LABEL_WIDTH = 330;
    private static final int BAR_WIDTH = 480;
    private static final int ROW_HEIGHT = 24;
    private static final int BAR_HEIGHT = 16;
    /** Labels longer than this (code points) are cut with an ellipsis; the tooltip has them in full. */
    private static final int LABEL_CHARS = 42;

    /** Per audit row, roughly, for the initial capacity: large runs should not copy the page over and over. */
    private static final int ROW_CHARS_ESTIMATE = 320;

    private static final String STYLE = """
            :root { color-scheme: light; --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --head: #f6f8fa;
              --bar: #2f81f7; --special: #8c959f; --kept: #9a6700; }
            * { box-sizing: border-box; }
            body { margin: 0 auto; padding: 16px 24px 48px; max-width: 1400px; color: var(--fg); background: #fff;
              font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif; }
            h1 { font-size: 22px; margin: 8px 0 4px; }
            h2 { font-size: 17px; margin: 28px 0 8px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
            .dry { color: var(--kept); }
            .note { color: var(--muted); margin: 0 0 8px; }
            table { border-collapse: collapse; }
            th, td { padding: 3px 10px; border: 1px solid var(--line); vertical-align: top; text-align: left; }
            thead th { background: var(--head); white-space: nowrap; }
            tbody tr:nth-child(even) { background: #fafbfc; }
            .num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
            .mono, code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace; font-size: 12.5px; }
            table.fields th { background: var(--head); font-weight: 600; white-space: nowrap; }
            table.fields td { min-width: 320px; }
            .counts span + span::before { content: ", "; }
            details pre { margin: 4px 0 0; white-space: pre-wrap; max-height: 24em; overflow: auto; }
            svg.chart { display: block; max-width: 100%; height: auto; font-size: 12px; }
            svg.chart text { fill: var(--fg); dominant-baseline: central; }
            svg.chart .label { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace; }
            svg.chart .size { fill: var(--muted); font-variant-numeric: tabular-nums; }
            svg.chart .track { fill: #eef1f4; }
            svg.chart .bar { fill: var(--bar); }
            svg.chart .bar.special { fill: var(--special); }
            svg.chart g.entry:hover .track { fill: #dde3ea; }
            #items { width: 100%; }
            #items thead th { position: sticky; top: 0; cursor: pointer; user-select: none; box-shadow: 0 1px 0 var(--line); }
            #items thead th:hover { background: #eaeef2; }
            #items thead th[aria-sort=ascending]::after { content: " \\25B2"; font-size: 10px; }
            #items thead th[aria-sort=descending]::after { content: " \\25BC"; font-size: 10px; }
            #items td:nth-child(1), #items td:nth-child(6) { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
            #items td:nth-child(2), #items td:nth-child(7) { white-space: nowrap; }
            time { white-space: nowrap; }
            #items td:nth-child(4), #items td:nth-child(5) { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace; font-size: 12.5px; }
            #items td:nth-child(5) { max-width: 16em; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
            #items td:nth-child(5):hover { white-space: normal; word-break: break-all; overflow: visible; }
            #items tr.kept td { color: var(--kept); }
            .empty { color: var(--muted); font-style: italic; }
            """;

    /**
     * Sorts {@code #items} by the clicked (or Enter/Space on the focused) header; a second click reverses. Numbers
     * compare as numbers, the rest as text; ties keep the current order. Rows are moved, not rebuilt.
     */
    private static final String SCRIPT = """
            (function () {
              "use strict";
              var table = document.getElementById("items");
              if (!table || !table.tHead || !table.tBodies.length) { return; }
              var body = table.tBodies[0];
              var headers = table.tHead.rows[0].cells;
              function sortBy(column) {
                var th = headers[column];
                var numeric = th.getAttribute("data-type") === "number";
                var descending = th.getAttribute("aria-sort") === "ascending";
                var keyed = Array.prototype.map.call(body.rows, function (row, index) {
                  var cell = row.cells[column];
                  var text = cell ? cell.textContent : "";
                  return { row: row, index: index, key: numeric ? (text === "" ? -Infinity : Number(text)) : text };
                });
                keyed.sort(function (a, b) {
                  var c = a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
                  if (descending) { c = -c; }
                  return c !== 0 ? c : a.index - b.index;
                });
                for (var i = 0; i < headers.length; i++) { headers[i].removeAttribute("aria-sort"); }
                th.setAttribute("aria-sort", descending ? "descending" : "ascending");
                var fragment = document.createDocumentFragment();
                keyed.forEach(function (k) { fragment.appendChild(k.row); });
                body.appendChild(fragment);
              }
              Array.prototype.forEach.call(headers, function (th, column) {
                th.tabIndex = 0;
                th.title = "Sort by " + th.textContent;
                th.addEventListener("click", function () { sortBy(column); });
                th.addEventListener("keydown", function (event) {
                  if (event.key === "Enter" || event.key === " ") { event.preventDefault(); sortBy(column); }
                });
              });
            })();
            """;

    private static final String[][] ACTIONS = {
            {"DELETE_TAG", "tags"}, {"DELETE_MANIFEST", "manifests"}, {"DELETE_LAYER_LINK", "layer links"},
            {"DELETE_REPOSITORY", "repositories"}, {"DELETE_BLOB", "blobs"}};

    private HtmlReport() {
    }

    /** The whole page for one execution; ends with a newline. */
    public static String render(ExecutionDetail detail) {
        ExecutionSummary e = detail.summary();
        StringBuilder out = new StringBuilder(16_384 + detail.audit().size() * ROW_CHARS_ESTIMATE
                + (detail.bytesByRepository().size() + detail.bytesByRule().size()) * 600);
        String title = "registry-gc execution " + e.executionId() + (e.dryRun() ? " (dry run)" : "");
        out.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<meta name=\"generator\" content=\"registry-gc\">\n<title>");
        text(out, title);
        out.append("</title>\n<style>\n").append(STYLE).append("</style>\n</head>\n<body>\n");
        out.append("<h1>registry-gc execution ").append(e.executionId());
        if (e.dryRun()) {
            out.append(" <span class=\"dry\">(dry run)</span>");
        }
        out.append("</h1>\n");
        if (e.dryRun()) {
            out.append("<p class=\"note\">Dry run: nothing was changed; the page shows what the run would delete.</p>\n");
        }
        summary(out, detail);

        String reclaimed = e.dryRun() ? "Bytes to reclaim" : "Bytes reclaimed";
        out.append("<section id=\"repositories\">\n<h2>").append(reclaimed).append(" per repository</h2>\n")
                .append("<p class=\"note\">A blob counts for the one repository that referenced it in the scan, ")
                .append("for (shared) when several did, and for (blobs) when none did.</p>\n");
        chart(out, "by-repository", "data-repository", reclaimed + " per repository",
                detail.bytesByRepository().stream().map(r -> new Entry(r.repository(), r.totals(),
                        r.repository().equals(RepositoryBytes.SHARED) || r.repository().equals(RepositoryBytes.UNREFERENCED)))
                        .toList());
        out.append("</section>\n");

        out.append("<section id=\"rules\">\n<h2>").append(reclaimed).append(" per rule</h2>\n")
                .append("<p class=\"note\">A blob counts for the rule of the deleted manifest that referenced it.</p>\n");
        chart(out, "by-rule", "data-rule", reclaimed + " per rule", detail.bytesByRule().stream()
                .map(r -> new Entry(r.rule(), r.totals(), r.rule().equals(RuleBytes.UNKNOWN))).toList());
        out.append("</section>\n");

        steps(out, detail.steps());
        items(out, detail.audit(), e.dryRun());
        out.append("<script>\n").append(SCRIPT).append("</script>\n</body>\n</html>\n");
        return out.toString();
    }

    // --------------------------------------------------------------- summary

    private static void summary(StringBuilder out, ExecutionDetail detail) {
        ExecutionSummary e = detail.summary();
        GcSettings s = e.settings();
        Totals t = e.totals();
        out.append("<section id=\"summary\">\n<h2>Summary</h2>\n<table class=\"fields\">\n<tbody>\n");
        field(out, "job execution", Long.toString(e.executionId()));
        field(out, "run id", Long.toString(e.runId()));
        out.append("<tr><th>status</th><td><span id=\"status\">");
        text(out, dash(e.status()));
        out.append("</span> (exit code ");
        text(out, dash(e.exitCode()));
        out.append(")</td></tr>\n");
        if (e.exitMessage() != null && !e.exitMessage().isBlank()) {
            String message = e.exitMessage().strip();
            int newline = message.indexOf('\n');
            out.append("<tr><th>exit message</th><td>");
            if (newline < 0) {
                text(out, message);
            } else {
                out.append("<details><summary>");
                text(out, message.substring(0, newline).strip());
                out.append("</summary><pre class=\"mono\">");
                text(out, message);
                out.append("</pre></details>");
            }
            out.append("</td></tr>\n");
        }
        timeField(out, "started", e.started());
        timeField(out, "ended", e.ended());
        field(out, "duration", Durations.elapsed(e.duration()));
        out.append("<tr><th>storage root</th><td class=\"mono\">");
        text(out, s == null ? "-" : s.storageRoot().toString());
        out.append("</td></tr>\n<tr><th>options</th><td class=\"mono\">");
        text(out, s == null ? "-" : s.options());
        out.append("</td></tr>\n");
        field(out, "created at", s == null ? "-" : s.createdAt().toString());
        out.append("<tr><th>").append(e.dryRun() ? "would delete" : "deleted").append("</th><td class=\"counts\">");
        for (String[] action : ACTIONS) {
            long count = t.count(PlanItem.Action.valueOf(action[0]));
            out.append("<span class=\"count\" data-action=\"").append(action[0]).append("\" data-count=\"").append(count)
                    .append("\">").append(count).append(' ').append(action[1]).append("</span>");
        }
        out.append("</td></tr>\n<tr><th>").append(e.dryRun() ? "bytes to reclaim" : "bytes reclaimed")
                .append("</th><td><span id=\"total-bytes\" data-bytes=\"").append(t.bytes()).append("\">")
                .append(t.bytes()).append("</span> (").append(ByteSize.format(t.bytes())).append(")</td></tr>\n");
        if (t.keptChanged() > 0) {
            out.append("<tr><th>kept (changed)</th><td><span id=\"kept-changed\" data-count=\"").append(t.keptChanged())
                    .append("\">").append(t.keptChanged()).append("</span></td></tr>\n");
        }
        if (t.drifted() > 0) {
            out.append("<tr><th>skipped (drift)</th><td><span id=\"drifted\" data-count=\"").append(t.drifted())
                    .append("\">").append(t.drifted()).append("</span></td></tr>\n");
        }
        out.append("<tr><th>audit rows</th><td><span id=\"item-count\" data-count=\"").append(detail.audit().size())
                .append("\">").append(detail.audit().size()).append("</span></td></tr>\n");
        out.append("</tbody>\n</table>\n</section>\n");
    }

    private static void field(StringBuilder out, String name, String value) {
        out.append("<tr><th>").append(name).append("</th><td>");
        text(out, value);
        out.append("</td></tr>\n");
    }

    private static void timeField(StringBuilder out, String name, OffsetDateTime time) {
        out.append("<tr><th>").append(name).append("</th><td>");
        time(out, time);
        out.append("</td></tr>\n");
    }

    // ---------------------------------------------------------------- charts

    private record Entry(String name, Totals totals, boolean special) {
    }

    /**
     * A horizontal bar chart, one {@code rect.bar} per entry in the given order, scaled to the largest entry; a
     * zero entry gets a zero-width bar, any other at least one pixel.
     */
    private static void chart(StringBuilder out, String id, String nameAttribute, String label, List<Entry> entries) {
        long max = 0;
        for (Entry entry : entries) {
            max = Math.max(max, entry.totals().bytes());
        }
        int height = Math.max(1, entries.size()) * ROW_HEIGHT + 8;
        out.append("<svg id=\"").append(id).append("\" class=\"chart\" width=\"").append(CHART_WIDTH)
                .append("\" height=\"").append(height).append("\" viewBox=\"0 0 ").append(CHART_WIDTH).append(' ')
                .append(height).append("\" role=\"img\" aria-label=\"");
        text(out, label);
        out.append("\" data-max-bytes=\"").append(max).append("\">\n");
        if (entries.isEmpty()) {
            out.append("<text class=\"empty\" x=\"0\" y=\"").append(ROW_HEIGHT / 2 + 4).append("\">(none)</text>\n");
        }
        int y = 4;
        for (Entry entry : entries) {
            long bytes = entry.totals().bytes();
            double width = max == 0 ? 0 : (double) bytes / max * BAR_WIDTH;
            if (bytes > 0) {
                width = Math.max(1, width);
            }
            double rounded = Math.round(width * 10) / 10.0;
            int middle = y + ROW_HEIGHT / 2;
            int barY = y + (ROW_HEIGHT - BAR_HEIGHT) / 2;
            out.append("<g class=\"entry\"><title>");
            tooltip(out, entry);
            out.append("</title><text class=\"label\" x=\"0\" y=\"").append(middle).append("\">");
            label(out, entry.name());
            out.append("</text><rect class=\"track\" x=\"").append(LABEL_WIDTH).append("\" y=\"").append(barY)
                    .append("\" width=\"").append(BAR_WIDTH).append("\" height=\"").append(BAR_HEIGHT)
                    .append("\"/><rect class=\"bar").append(entry.special() ? " special" : "").append("\" ")
                    .append(nameAttribute).append("=\"");
            text(out, entry.name());
            out.append("\" data-bytes=\"").append(bytes).append("\" x=\"").append(LABEL_WIDTH).append("\" y=\"")
                    .append(barY).append("\" width=\"").append(rounded).append("\" height=\"").append(BAR_HEIGHT)
                    .append("\"><title>");
            tooltip(out, entry);
            out.append("</title></rect><text class=\"size\" x=\"").append(LABEL_WIDTH + BAR_WIDTH + 10)
                    .append("\" y=\"").append(middle).append("\">").append(ByteSize.format(bytes)).append("</text></g>\n");
            y += ROW_HEIGHT;
        }
        out.append("</svg>\n");
    }

    /** {@code NAME: N bytes (SIZE); 1 tags, 2 manifests, 0 layer links, 0 repositories, 3 blobs}, escaped. */
    private static void tooltip(StringBuilder out, Entry entry) {
        Totals t = entry.totals();
        text(out, entry.name());
        out.append(": ").append(t.bytes()).append(" bytes (").append(ByteSize.format(t.bytes())).append("); ")
                .append(RunReport.describeCounts(t));
    }

    /** At most {@link #LABEL_CHARS} code points, else cut with an ellipsis (never inside a surrogate pair). */
    private static void label(StringBuilder out, String name) {
        if (name.codePointCount(0, name.length()) <= LABEL_CHARS) {
            text(out, name);
        } else {
            text(out, name.substring(0, name.offsetByCodePoints(0, LABEL_CHARS - 1)));
            out.append("&#8230;");
        }
    }

    // ----------------------------------------------------------------- steps

    private static void steps(StringBuilder out, List<StepSummary> steps) {
        out.append("<section id=\"steps\">\n<h2>Steps</h2>\n");
        if (steps.isEmpty()) {
            out.append("<p class=\"empty\">(none)</p>\n</section>\n");
            return;
        }
        out.append("<table id=\"step-table\">\n<thead><tr><th>name</th><th>status</th><th>exit code</th>")
                .append("<th class=\"num\">read</th><th class=\"num\">write</th><th class=\"num\">filter</th>")
                .append("<th class=\"num\">skip</th><th class=\"num\">commit</th><th class=\"num\">rollback</th>")
                .append("<th>started</th><th>ended</th><th class=\"num\">duration</th><th>worker</th></tr></thead>\n<tbody>\n");
        for (StepSummary s : steps) {
            out.append("<tr><td class=\"mono\">");
            text(out, dash(s.name()));
            out.append("</td><td>");
            text(out, dash(s.status()));
            out.append("</td><td>");
            text(out, dash(s.exitCode()));
            out.append("</td>");
            for (long count : new long[] {s.readCount(), s.writeCount(), s.filterCount(), s.skipCount(),
                    s.commitCount(), s.rollbackCount()}) {
                out.append("<td class=\"num\">").append(count).append("</td>");
            }
            out.append("<td>");
            time(out, s.started());
            out.append("</td><td>");
            time(out, s.ended());
            out.append("</td><td class=\"num\">").append(Durations.elapsed(s.duration())).append("</td><td class=\"mono\">");
            text(out, s.worker() == null ? "" : s.worker());
            out.append("</td></tr>\n");
        }
        out.append("</tbody>\n</table>\n</section>\n");
    }

    // ----------------------------------------------------------------- items

    private static void items(StringBuilder out, List<AuditEntry> audit, boolean dryRun) {
        out.append("<section id=\"deletions\">\n<h2>").append(dryRun ? "Planned deletions" : "Deleted items")
                .append(" (").append(audit.size()).append(")</h2>\n")
                .append("<p class=\"note\">Every audit row, kept ones included. Click a column header to sort; ")
                .append("click again to reverse. A blob shows the repositories that referenced it in parentheses.</p>\n")
                .append("<table id=\"items\">\n<thead><tr><th data-type=\"number\">seq</th><th>action</th>")
                .append("<th>repository</th><th>tag</th><th>digest</th><th data-type=\"number\">bytes</th>")
                .append("<th>outcome</th><th>rule</th><th>reason</th></tr></thead>\n<tbody>\n");
        StringBuilder referencedBy = new StringBuilder();
        for (AuditEntry a : audit) {
            out.append("<tr data-seq=\"").append(a.seq()).append('"');
            if (!a.outcome().countsAsDone()) {
                out.append(" class=\"kept\"");
            }
            out.append("><td>").append(a.seq()).append("</td><td>").append(a.action().name()).append("</td><td>");
            if (a.repository() != null) {
                text(out, a.repository());
            } else if (a.referencedBy().isEmpty()) {
                out.append('-');
            } else {
                referencedBy.setLength(0);
                referencedBy.append('(');
                for (String repository : a.referencedBy()) {
                    if (referencedBy.length() > 1) {
                        referencedBy.append(' ');
                    }
                    referencedBy.append(repository);
                }
                text(out, referencedBy.append(')'));
            }
            out.append("</td><td>");
            text(out, dash(a.tag()));
            out.append("</td><td>");
            text(out, dash(a.digest()));
            out.append("</td><td>").append(a.bytes()).append("</td><td>").append(a.outcome().name()).append("</td><td>");
            text(out, a.rule() == null ? RuleBytes.UNKNOWN : a.rule());
            out.append("</td><td>");
            text(out, dash(a.reason()));
            out.append("</td></tr>\n");
        }
        out.append("</tbody>\n</table>\n");
        if (audit.isEmpty()) {
            out.append("<p class=\"empty\">(none)</p>\n");
        }
        out.append("</section>\n");
    }

    // --------------------------------------------------------------- helpers

    private static String dash(String value) {
        return value == null || value.isEmpty() ? "-" : value;
    }

    private static void time(StringBuilder out, OffsetDateTime time) {
        if (time == null) {
            out.append('-');
        } else {
            out.append("<time datetime=\"").append(time).append("\">").append(TEXT_TIME.format(time)).append("</time>");
        }
    }

    /**
     * Appends {@code value} escaped for HTML text and double- or single-quoted attribute values alike. Control
     * characters other than tab, line feed and carriage return, and unpaired surrogates (which no UTF-8 writer
     * accepts), become U+FFFD.
     */
    static void text(StringBuilder out, CharSequence value) {
        int length = value.length();
        for (int i = 0; i < length; i++) {
            char c = value.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                case '\t', '\n', '\r' -> out.append(c);
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        out.append("&#xFFFD;");
                    } else if (Character.isHighSurrogate(c) && i + 1 < length && Character.isLowSurrogate(value.charAt(i + 1))) {
                        out.append(c).append(value.charAt(++i));
                    } else if (Character.isSurrogate(c)) {
                        out.append("&#xFFFD;");
                    } else {
                        out.append(c);
                    }
                }
            }
        }
    }
}
