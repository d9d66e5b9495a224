package io.registrygc.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.registrygc.audit.RunHistory;
import io.registrygc.audit.history.ExecutionSummary;
import io.registrygc.audit.history.RunParameters;
import io.registrygc.audit.history.Totals;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.springframework.jdbc.core.JdbcTemplate;
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

    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final DateTimeFormatter TEXT_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT);

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
            executions = new RunHistory(session.bean(JdbcTemplate.class)).list(limit);
        } catch (Exception e) {
            Console.error(err, "could not read the run history: " + e.getMessage());
            return ExitCodes.FAILED;
        }
        out.print(json ? toJson(executions) : toTable(executions));
        out.flush();
        return ExitCodes.COMPLETED;
    }

    // ------------------------------------------------------------------ JSON

    /** A JSON array of the executions, one object each (see {@link #summaryJson}), ending with a newline. */
    public static String toJson(List<ExecutionSummary> executions) {
        ArrayNode array = JSON.createArrayNode();
        executions.forEach(e -> array.add(summaryJson(e)));
        return write(array);
    }

    /** The fields of one execution that {@code history --json} lists and {@code show --json} starts with. */
    public static ObjectNode summaryJson(ExecutionSummary e) {
        ObjectNode node = JSON.createObjectNode();
        node.put("executionId", e.executionId());
        node.put("runId", e.runId());
        node.put("status", e.status());
        node.put("exitCode", e.exitCode());
        node.put("exitMessage", e.exitMessage() == null || e.exitMessage().isEmpty() ? null : e.exitMessage());
        node.put("created", iso(e.created()));
        node.put("started", iso(e.started()));
        node.put("ended", iso(e.ended()));
        Duration duration = e.duration();
        node.put("duration", duration == null ? null : duration.toString());
        if (duration == null) {
            node.putNull("durationMillis");
        } else {
            node.put("durationMillis", duration.toMillis());
        }
        node.put("dryRun", e.dryRun());
        RunParameters p = e.parameters();
        ObjectNode parameters = node.putObject("parameters");
        parameters.put("storageRoot", p.storageRoot());
        parameters.put("dryRun", p.dryRun());
        parameters.put("deleteUntagged", p.deleteUntagged());
        parameters.put("minAge", p.minAge());
        ArrayNode images = parameters.putArray("images");
        p.images().forEach(images::add);
        parameters.put("createdAt", p.createdAt());
        Totals t = e.totals();
        ObjectNode deleted = node.putObject("deleted");
        deleted.put("tags", t.tags());
        deleted.put("manifests", t.manifests());
        deleted.put("layerLinks", t.layerLinks());
        deleted.put("repositories", t.repositories());
        deleted.put("blobs", t.blobs());
        node.put("bytesReclaimed", t.bytesReclaimed());
        node.put("keptChanged", t.keptChanged());
        return node;
    }

    static String iso(OffsetDateTime time) {
        return time == null ? null : time.toString();
    }

    static String write(Object node) {
        try {
            return JSON.writeValueAsString(node) + "\n";
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
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
            table.row(Long.toString(e.executionId()), Long.toString(e.runId()), time(e.started()), time(e.ended()),
                    duration(e.duration()), e.status(), e.exitCode(), e.dryRun() ? "dry run" : "delete",
                    Long.toString(t.manifests()), Long.toString(t.blobs()), bytes(t.bytesReclaimed()),
                    dash(e.parameters().storageRoot()), options(e.parameters()));
        }
        return table.toString();
    }

    /** The selection options of a run, as on its command line. */
    static String options(RunParameters p) {
        List<String> options = new ArrayList<>();
        if (Boolean.TRUE.equals(p.deleteUntagged())) {
            options.add("--delete-untagged");
        }
        if (p.minAge() != null) {
            options.add("--min-age " + p.minAge());
        }
        p.images().forEach(image -> options.add("--image " + image));
        return String.join(" ", options);
    }

    static String time(OffsetDateTime time) {
        return time == null ? "-" : TEXT_TIME.format(time);
    }

    static String dash(String value) {
        return value == null || value.isEmpty() ? "-" : value;
    }

    /** {@code 850ms}, {@code 12.3s}, {@code 4m05s}, {@code 2h03m}; {@code -} when unknown. */
    public static String duration(Duration duration) {
        if (duration == null) {
            return "-";
        }
        long millis = duration.toMillis();
        if (millis < 1000) {
            return millis + "ms";
        }
        if (millis < 60_000) {
            return String.format(Locale.ROOT, "%.1fs", millis / 1000.0);
        }
        long seconds = duration.getSeconds();
        if (seconds < 3600) {
            return String.format(Locale.ROOT, "%dm%02ds", seconds / 60, seconds % 60);
        }
        return String.format(Locale.ROOT, "%dh%02dm", seconds / 3600, seconds % 3600 / 60);
    }

    /** {@code 512 B}, {@code 1.5 KiB}, {@code 3.0 MiB}, ... */
    public static String bytes(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB"};
        double value = bytes;
        int unit = -1;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f %s", value, units[unit]);
    }

    /**
     * A text table with columns aligned by padding: a header ending in {@code >} is right-aligned (the marker is
     * not printed). Columns are two spaces apart; the last column is not padded, and no line has trailing blanks.
     */
    public static final class Table {
        private final String[] headers;
        private final boolean[] right;
        private final List<String[]> rows = new ArrayList<>();

        public Table(String... headers) {
            this.headers = new String[headers.length];
            this.right = new boolean[headers.length];
            for (int i = 0; i < headers.length; i++) {
                right[i] = headers[i].endsWith(">");
                this.headers[i] = right[i] ? headers[i].substring(0, headers[i].length() - 1) : headers[i];
            }
        }

        public Table row(String... cells) {
            if (cells.length != headers.length) {
                throw new IllegalArgumentException("expected " + headers.length + " cells, got " + cells.length);
            }
            rows.add(Arrays.stream(cells).map(c -> c == null ? "-" : c.replace('\n', ' ').replace('\r', ' '))
                    .toArray(String[]::new));
            return this;
        }

        @Override
        public String toString() {
            int[] width = new int[headers.length];
            for (int i = 0; i < headers.length; i++) {
                width[i] = headers[i].length();
                for (String[] row : rows) {
                    width[i] = Math.max(width[i], row[i].length());
                }
            }
            StringBuilder out = new StringBuilder();
            line(out, headers, width);
            rows.forEach(row -> line(out, row, width));
            return out.toString();
        }

        private void line(StringBuilder out, String[] cells, int[] width) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < cells.length; i++) {
                if (i > 0) {
                    line.append("  ");
                }
                String pad = " ".repeat(width[i] - cells[i].length());
                line.append(right[i] ? pad + cells[i] : cells[i] + (i == cells.length - 1 ? "" : pad));
            }
            out.append(line.toString().stripTrailing()).append('\n');
        }
    }
}
