package io.registrygc.cli;

import static io.registrygc.cli.ExecutionFormats.time;

import com.fasterxml.jackson.databind.node.ArrayNode;
import io.registrygc.audit.history.ExecutionSummary;
import io.registrygc.plan.PlanItem;
import io.registrygc.plan.Totals;
import io.registrygc.run.GcSettings;
import io.registrygc.units.ByteSize;
import io.registrygc.units.Durations;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "history", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"List past runs, newest first: one line per job execution (a resumed run has several).",
                "Counts and bytes are what that execution deleted (for a dry run: planned). Takes no lock."},
        footer = {"", "Exit codes: 0 listed, 1 the database could not be read, 2 usage.",
                "Database: SPRING_DATASOURCE_URL/_USERNAME/_PASSWORD, else embedded PostgreSQL in --database-dir."})
public class HistoryCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "20",
            description = "Show the newest N executions (default: ${DEFAULT-VALUE}).")
    int limit;

    @Option(names = "--json", description = "Print a JSON array instead of a table.")
    boolean json;

    @Mixin
    DatabaseOptions database;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (limit < 1) {
            Console.error(err, "--limit must be at least 1: " + limit);
            return ExitCodes.USAGE;
        }
        List<ExecutionSummary> executions;
        try (DatabaseOptions.Session session = database.open(Map.of())) {
            executions = session.history().list(limit);
        } catch (Exception e) {
            Console.error(err, "could not read the run history: " + e.getMessage());
            return ExitCodes.FAILED;
        }
        out.print(json ? toJson(executions) : toTable(executions));
        out.flush();
        return ExitCodes.COMPLETED;
    }

    // ------------------------------------------------------------------ JSON

    /** A JSON array of the executions, one object each, ending with a newline. */
    public static String toJson(List<ExecutionSummary> executions) {
        ArrayNode array = ExecutionFormats.JSON.createArrayNode();
        executions.forEach(e -> array.add(ExecutionFormats.summaryJson(e)));
        return ExecutionFormats.write(array);
    }

    // ------------------------------------------------------------------ text

    /** An aligned table, one line per execution, or a sentence when there is none. */
    public static String toTable(List<ExecutionSummary> executions) {
        if (executions.isEmpty()) {
            return "No runs recorded.\n";
        }
        Table table = new Table("EXECUTION>", "RUN>", "STARTED", "ENDED", "DURATION>", "STATUS", "EXIT CODE", "MODE",
                "MANIFESTS>", "BLOBS>", "RECLAIMED>", "STORAGE ROOT", "OPTIONS");
        for (ExecutionSummary e : executions) {
            Totals t = e.totals();
            GcSettings settings = e.settings();
            table.row(Long.toString(e.executionId()), Long.toString(e.runId()), time(e.started()), time(e.ended()),
                    Durations.elapsed(e.duration()), e.status(), e.exitCode(), e.dryRun() ? "dry run" : "delete",
                    Long.toString(t.count(PlanItem.Action.DELETE_MANIFEST)), Long.toString(t.count(PlanItem.Action.DELETE_BLOB)),
                    ByteSize.format(t.bytes()), settings == null ? "-" : settings.storageRoot().toString(),
                    settings == null ? "(unreadable job parameters)" : settings.selectionOptions());
        }
        return table.toString();
    }
}
