package io.registrygc.cli;

import static io.registrygc.cli.ExecutionFormats.dash;
import static io.registrygc.cli.ExecutionFormats.iso;
import static io.registrygc.cli.ExecutionFormats.time;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.registrygc.audit.HtmlReport;
import io.registrygc.audit.RunHistory;
import io.registrygc.audit.RunReport;
import io.registrygc.audit.history.AuditEntry;
import io.registrygc.audit.history.Decision;
import io.registrygc.audit.history.ExecutionDetail;
import io.registrygc.audit.history.ExecutionSummary;
import io.registrygc.audit.history.RepositoryBytes;
import io.registrygc.audit.history.RuleBytes;
import io.registrygc.audit.history.StepSummary;
import io.registrygc.plan.PlanItem;
import io.registrygc.plan.Totals;
import io.registrygc.policy.Verdict;
import io.registrygc.run.GcSettings;
import io.registrygc.units.ByteSize;
import io.registrygc.units.Durations;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "show", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Show one job execution in full: its parameters, its steps, every deletion it carried out",
                "(for a dry run: planned) with its reason and outcome, and the bytes per repository.",
                "A blob's bytes go to the repository that referenced it in the run's scan, to (shared) when",
                "several did, and to (blobs) when none did. Takes no lock."},
        footer = {"", "Exit codes: 0 shown, 1 the database could not be read, 2 usage or unknown execution id.",
                "Database: SPRING_DATASOURCE_URL/_USERNAME/_PASSWORD, else embedded PostgreSQL in --database-dir."})
public class ShowCommand implements Callable<Integer> {

    /** The CSV header of {@code show --csv}. */
    public static final String CSV_HEADER = "seq,action,repository,tag,digest,bytes,reason,rule,outcome,referenced_by,recorded_at";

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "EXECUTION_ID", description = "The job execution id, as 'history' lists it.")
    long executionId;

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    Format format = new Format();

    static class Format {
        @Option(names = "--json", description = "Print JSON (what 'run --report' writes).")
        boolean json;

        @Option(names = "--csv", description = "Print the audit rows as CSV, with a header.")
        boolean csv;

        @Option(names = "--decisions", description = "Print what the run decided about every tag and manifest it"
                + " scanned, kept or deleted, with the rule and the reason.")
        boolean decisions;

        @Option(names = "--html", paramLabel = "FILE", description = "Write one self-contained HTML page (summary,"
                + " bytes per repository and per rule as bar charts, steps, every deleted item with its reason) to FILE.")
        Path html;
    }

    @Mixin
    DatabaseOptions database;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Format chosen = format == null ? new Format() : format;
        Optional<ExecutionDetail> detail;
        List<Decision> decisions = List.of();
        Optional<OffsetDateTime> scanPruned = Optional.empty();
        try (DatabaseOptions.Session session = database.open(Map.of())) {
            detail = session.history().show(executionId);
            if (chosen.decisions) {
                decisions = session.history().decisions(executionId);
                scanPruned = session.history().scanPrunedAt(executionId);
            }
        } catch (Exception e) {
            Console.error(err, "could not read the run history: " + e.getMessage());
            return ExitCodes.FAILED;
        }
        if (detail.isEmpty()) {
            Console.error(err, "no job execution " + executionId + " of registry-gc; 'registry-gc history' lists them.");
            return ExitCodes.USAGE;
        }
        if (chosen.decisions) {
            out.print(scanPruned.isPresent() ? "(the scan state of this run was dropped at " + scanPruned.get()
                    + ", after newer runs on its storage; registry-gc keeps the newest runs' decisions, see"
                    + " registry-gc.scan-state.keep-runs)\n" : decisionsText(decisions));
            out.flush();
            return ExitCodes.COMPLETED;
        }
        if (chosen.html != null) {
            try {
                Files.writeString(chosen.html, HtmlReport.render(detail.get()), StandardCharsets.UTF_8);
            } catch (Exception e) {
                Console.error(err, "could not write " + chosen.html + ": " + e);
                return ExitCodes.FAILED;
            }
            out.println("wrote " + chosen.html);
            out.flush();
            return ExitCodes.COMPLETED;
        }
        out.print(chosen.json ? toJson(detail.get()) : chosen.csv ? toCsv(detail.get().audit()) : toText(detail.get()));
        out.flush();
        return ExitCodes.COMPLETED;
    }

    /**
     * Writes {@code show --json} of an execution to a file, for {@code run --report}. Never throws: a failure is
     * reported on {@code err} and returned as false.
     */
    public static boolean writeReport(RunHistory history, long executionId, Path file, PrintWriter err) {
        try {
            ExecutionDetail detail = history.show(executionId)
                    .orElseThrow(() -> new IllegalStateException("no job execution " + executionId));
            Files.writeString(file, toJson(detail), StandardCharsets.UTF_8);
            return true;
        } catch (Exception e) {
            Console.error(err, "could not write the report to " + file + ": " + e);
            return false;
        }
    }

    // ------------------------------------------------------------------ JSON

    /**
     * The execution as {@code history --json} has it has it, then {@code steps}, {@code bytesByRepository}
     * and {@code audit}; ends with a newline.
     */
    public static String toJson(ExecutionDetail detail) {
        ObjectNode node = ExecutionFormats.summaryJson(detail.summary());
        ArrayNode steps = node.putArray("steps");
        for (StepSummary s : detail.steps()) {
            ObjectNode step = steps.addObject();
            step.put("stepExecutionId", s.stepExecutionId());
            step.put("name", s.name());
            step.put("status", s.status());
            step.put("exitCode", s.exitCode());
            step.put("readCount", s.readCount());
            step.put("writeCount", s.writeCount());
            step.put("filterCount", s.filterCount());
            step.put("skipCount", s.skipCount());
            step.put("commitCount", s.commitCount());
            step.put("rollbackCount", s.rollbackCount());
            step.put("started", iso(s.started()));
            step.put("ended", iso(s.ended()));
            step.put("duration", s.duration() == null ? null : s.duration().toString());
            if (s.worker() != null) {
                step.put("worker", s.worker());
            }
        }
        if (!detail.storageRequests().isEmpty()) {
            ObjectNode requests = node.putObject("storageRequests");
            new java.util.TreeMap<>(detail.storageRequests()).forEach((kind, count) -> requests.put(kind.name(), count));
        }
        ArrayNode repositories = node.putArray("bytesByRepository");
        for (RepositoryBytes r : detail.bytesByRepository()) {
            ObjectNode repository = repositories.addObject();
            repository.put("repository", r.repository());
            ExecutionFormats.putCounts(repository, r.totals());
            repository.put("bytes", r.totals().bytes());
        }
        ArrayNode rules = node.putArray("bytesByRule");
        for (RuleBytes r : detail.bytesByRule()) {
            ObjectNode rule = rules.addObject();
            rule.put("rule", r.rule());
            ExecutionFormats.putCounts(rule, r.totals());
            rule.put("bytes", r.totals().bytes());
        }
        ArrayNode audit = node.putArray("audit");
        for (AuditEntry a : detail.audit()) {
            ObjectNode row = audit.addObject();
            row.put("seq", a.seq());
            row.put("action", a.action().name());
            row.put("repository", a.repository());
            row.put("tag", a.tag());
            row.put("digest", a.digest());
            row.put("bytes", a.bytes());
            row.put("reason", a.reason());
            row.put("rule", a.rule());
            row.put("outcome", a.outcome().name());
            if (a.action() == PlanItem.Action.DELETE_BLOB) {
                ArrayNode referencedBy = row.putArray("referencedBy");
                a.referencedBy().forEach(referencedBy::add);
            } else {
                row.putNull("referencedBy");
            }
            row.put("recordedAt", iso(a.recordedAt()));
        }
        return ExecutionFormats.write(node);
    }

    // ------------------------------------------------------------------- CSV

    /** The audit rows as RFC 4180 CSV (CRLF-free: lines end with \n), header first. */
    public static String toCsv(List<AuditEntry> audit) {
        StringBuilder out = new StringBuilder(CSV_HEADER).append('\n');
        for (AuditEntry a : audit) {
            out.append(a.seq()).append(',')
                    .append(csv(a.action().name())).append(',')
                    .append(csv(a.repository())).append(',')
                    .append(csv(a.tag())).append(',')
                    .append(csv(a.digest())).append(',')
                    .append(a.bytes()).append(',')
                    .append(csv(a.reason())).append(',')
                    .append(csv(a.rule())).append(',')
                    .append(csv(a.outcome().name())).append(',')
                    .append(csv(String.join(" ", a.referencedBy()))).append(',')
                    .append(csv(iso(a.recordedAt()))).append('\n');
        }
        return out.toString();
    }

    /** One CSV field: empty for null, quoted (quotes doubled) when it holds a comma, quote or line break. */
    public static String csv(String value) {
        if (value == null) {
            return "";
        }
        if (value.indexOf(',') < 0 && value.indexOf('"') < 0 && value.indexOf('\n') < 0 && value.indexOf('\r') < 0) {
            return value;
        }
        return '"' + value.replace("\"", "\"\"") + '"';
    }

    // ------------------------------------------------------------------ text

    public static String toText(ExecutionDetail detail) {
        ExecutionSummary e = detail.summary();
        GcSettings p = e.settings();
        Totals t = e.totals();
        String verb = e.dryRun() ? "would delete" : "deleted";
        StringBuilder out = new StringBuilder();
        out.append("job execution ").append(e.executionId()).append(" of run ").append(e.runId())
                .append(e.dryRun() ? " (dry run: nothing was changed)" : "").append('\n');
        field(out, "status", e.status() + " (exit code " + dash(e.exitCode()) + ")");
        if (e.exitMessage() != null && !e.exitMessage().isBlank()) {
            field(out, "exit message", e.exitMessage().strip().lines().findFirst().orElse(""));
        }
        field(out, "started", time(e.started()));
        field(out, "ended", time(e.ended()));
        field(out, "duration", Durations.elapsed(e.duration()));
        field(out, "storage root", p == null ? "-" : p.storageRoot());
        if (!detail.storageRequests().isEmpty()) {
            field(out, "S3 requests", io.registrygc.audit.RunReport.describeRequests(detail.storageRequests()));
        }
        field(out, "dry run", String.valueOf(e.dryRun()));
        field(out, "delete untagged", p == null ? "-" : Boolean.toString(p.deleteUntagged()));
        field(out, "min age", p == null ? "-" : Durations.format(p.minAge()));
        field(out, "images", p == null || p.images().isEmpty() ? "-"
                : String.join(" ", p.images().stream().map(Object::toString).toList()));
        if (p != null && p.retention().isPresent()) {
            field(out, "retention", p.retention().get().policies().size() + " policies"
                    + (p.retention().get().defaultPolicy().isPresent() ? " and a default" : "") + " (see --json)");
        }
        if (p != null && p.appliesRun().isPresent()) {
            field(out, "applies the plan", "of run " + p.appliesRun().getAsLong());
        }
        field(out, "created at", p == null ? "-" : p.createdAt().toString());
        field(out, verb, RunReport.describeCounts(t));
        field(out, e.dryRun() ? "bytes to reclaim" : "bytes reclaimed", t.bytes() + " (" + ByteSize.format(t.bytes()) + ")");
        if (t.keptChanged() > 0) {
            field(out, "kept (changed)", Long.toString(t.keptChanged()));
        }
        if (t.drifted() > 0) {
            field(out, "skipped (drift)", Long.toString(t.drifted()));
        }

        out.append("\nsteps:\n");
        if (detail.steps().isEmpty()) {
            out.append("  (none)\n");
        } else {
            Table steps = new Table("NAME", "STATUS", "READ>", "WRITE>", "FILTER>", "SKIP>",
                    "COMMIT>", "ROLLBACK>", "STARTED", "ENDED", "DURATION>", "WORKER");
            for (StepSummary s : detail.steps()) {
                steps.row(s.name(), s.status(), Long.toString(s.readCount()), Long.toString(s.writeCount()),
                        Long.toString(s.filterCount()), Long.toString(s.skipCount()), Long.toString(s.commitCount()),
                        Long.toString(s.rollbackCount()), time(s.started()), time(s.ended()), Durations.elapsed(s.duration()),
                        s.worker() == null ? "" : s.worker());
            }
            indent(out, steps.toString());
        }

        bytesTable(out, "repository", detail.bytesByRepository().stream()
                .map(r -> Map.entry(r.repository(), r.totals())).toList());
        bytesTable(out, "rule", detail.bytesByRule().stream().map(r -> Map.entry(r.rule(), r.totals())).toList());

        out.append("\naudit (").append(detail.audit().size()).append(" rows):\n");
        if (detail.audit().isEmpty()) {
            out.append("  (none)\n");
        } else {
            Table audit = new Table("SEQ>", "ACTION", "REPOSITORY", "TAG", "DIGEST", "BYTES>",
                    "OUTCOME", "REASON");
            for (AuditEntry a : detail.audit()) {
                String repository = a.repository() != null ? a.repository()
                        : a.referencedBy().isEmpty() ? "-" : "(" + String.join(" ", a.referencedBy()) + ")";
                audit.row(Long.toString(a.seq()), a.action().name(), repository, dash(a.tag()), dash(a.digest()),
                        Long.toString(a.bytes()), a.outcome().name(), a.reason());
            }
            indent(out, audit.toString());
        }
        return out.toString();
    }

    /** {@code show --decisions}: one line per tag, then one per manifest. */
    public static String decisionsText(List<Decision> decisions) {
        if (decisions.isEmpty()) {
            return "(no tags or manifests scanned)\n";
        }
        Table table = new Table("WHAT", "REPOSITORY", "TAG", "DIGEST", "DECISION", "RULE", "REASON");
        for (Decision d : decisions) {
            table.row(d.subject().name(), d.repository(), dash(d.tag()), dash(d.digest()),
                    d.verdict() == Verdict.KEEP ? "kept" : "deleted", dash(d.rule()), d.reason());
        }
        return table.toString();
    }

    /** The counts and bytes per repository or per rule. */
    private static void bytesTable(StringBuilder out, String by, List<Map.Entry<String, Totals>> rows) {
        out.append("\nbytes by ").append(by).append(":\n");
        if (rows.isEmpty()) {
            out.append("  (none)\n");
            return;
        }
        Table table = new Table(by.toUpperCase(java.util.Locale.ROOT), "TAGS>", "MANIFESTS>", "LAYER LINKS>", "BLOBS>",
                "BYTES>", "SIZE>");
        for (Map.Entry<String, Totals> row : rows) {
            Totals c = row.getValue();
            table.row(row.getKey(), Long.toString(c.count(PlanItem.Action.DELETE_TAG)),
                    Long.toString(c.count(PlanItem.Action.DELETE_MANIFEST)),
                    Long.toString(c.count(PlanItem.Action.DELETE_LAYER_LINK)),
                    Long.toString(c.count(PlanItem.Action.DELETE_BLOB)), Long.toString(c.bytes()), ByteSize.format(c.bytes()));
        }
        indent(out, table.toString());
    }

    private static void field(StringBuilder out, String name, String value) {
        out.append("  ").append(String.format("%-19s", name + ":")).append(value).append('\n');
    }

    private static void indent(StringBuilder out, String text) {
        text.lines().forEach(line -> out.append("  ").append(line).append('\n'));
    }
}
