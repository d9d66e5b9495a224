package io.registrygc.audit;

import static io.registrygc.plan.Outcome.*;
import static io.registrygc.plan.PlanItem.Action.*;
import static io.registrygc.audit.RunHistoryTest.repository;
import static io.registrygc.audit.RunHistoryTest.totals;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.registrygc.audit.history.AuditEntry;
import io.registrygc.audit.history.ExecutionDetail;
import io.registrygc.audit.history.ExecutionSummary;
import io.registrygc.audit.history.RepositoryBytes;
import io.registrygc.audit.history.StepSummary;
import io.registrygc.cli.HistoryCommand;
import io.registrygc.cli.Table;
import io.registrygc.policy.ImageSelector;
import io.registrygc.run.GcSettings;
import java.nio.file.Path;
import java.time.Instant;
import io.registrygc.cli.ShowCommand;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import io.registrygc.plan.Totals;
import org.junit.jupiter.api.Test;

/** The text, JSON and CSV forms of {@code history} and {@code show}. */
class HistoryFormatTest {


    private static final ObjectMapper JSON = new ObjectMapper();
    private static final OffsetDateTime T0 = OffsetDateTime.of(2025, 3, 4, 5, 6, 7, 250_000_000, ZoneOffset.ofHours(1));

    private static ExecutionSummary summary(long id, OffsetDateTime ended, boolean dryRun, Totals totals) {
        return new ExecutionSummary(id, id - 1, T0.minusSeconds(1), T0, ended, ended == null ? "STARTED" : "COMPLETED",
                ended == null ? "UNKNOWN" : "COMPLETED", "", new GcSettings("/srv/registry", dryRun, true,
                        Duration.ZERO, List.of(ImageSelector.parse("a/b:c")), Instant.parse("2025-03-04T04:06:05Z")), totals);
    }

    @Test
    void historyJsonHasTheDocumentedShape() throws Exception {
        Totals totals = totals(1, 2, 3, 4, 5, 6789, 1);
        String text = HistoryCommand.toJson(List.of(summary(12, T0.plusSeconds(90), false, totals),
                summary(11, null, true, Totals.NONE)));
        assertThat(text).endsWith("\n");
        JsonNode array = JSON.readTree(text);
        assertThat(array).hasSize(2);
        JsonNode first = array.get(0);
        assertThat(first.get("executionId").asLong()).isEqualTo(12);
        assertThat(first.get("runId").asLong()).isEqualTo(11);
        assertThat(first.get("started").asText()).isEqualTo("2025-03-04T05:06:07.250+01:00");
        assertThat(first.get("ended").asText()).isEqualTo("2025-03-04T05:07:37.250+01:00");
        assertThat(first.get("duration").asText()).isEqualTo("PT1M30S");
        assertThat(first.get("durationMillis").asLong()).isEqualTo(90_000);
        assertThat(first.get("exitMessage").isNull()).as("empty exit message").isTrue();
        assertThat(first.get("dryRun").asBoolean()).isFalse();
        assertThat(first.at("/parameters/storageRoot").asText()).isEqualTo("/srv/registry");
        assertThat(first.at("/parameters/deleteUntagged").asBoolean()).isTrue();
        assertThat(first.at("/parameters/images/0").asText()).isEqualTo("a/b:c");
        assertThat(first.at("/deleted/tags").asLong()).isEqualTo(1);
        assertThat(first.at("/deleted/manifests").asLong()).isEqualTo(2);
        assertThat(first.at("/deleted/layerLinks").asLong()).isEqualTo(3);
        assertThat(first.at("/deleted/repositories").asLong()).isEqualTo(4);
        assertThat(first.at("/deleted/blobs").asLong()).isEqualTo(5);
        assertThat(first.get("bytesReclaimed").asLong()).isEqualTo(6789);
        assertThat(first.get("keptChanged").asLong()).isEqualTo(1);
        JsonNode running = array.get(1);
        assertThat(running.get("ended").isNull()).isTrue();
        assertThat(running.get("duration").isNull()).isTrue();
        assertThat(running.get("durationMillis").isNull()).isTrue();
        assertThat(running.get("dryRun").asBoolean()).isTrue();
        assertThat(HistoryCommand.toJson(List.of())).isEqualTo("[ ]\n");
    }

    @Test
    void showJsonAddsStepsBytesByRepositoryAndAudit() throws Exception {
        ExecutionDetail detail = new ExecutionDetail(summary(5, T0.plusSeconds(2), false, totals(0, 1, 0, 0, 1, 10, 0)),
                List.of(new StepSummary(9, "scan", "COMPLETED", "COMPLETED", 4, 3, 1, 0, 2, 0, T0, T0.plusSeconds(1), null)),
                List.of(new AuditEntry(1, DELETE_MANIFEST, "a/b", null, "sha256:aa", 0, "untagged", "--delete-untagged", DELETED, T0, null),
                        new AuditEntry(2, DELETE_BLOB, null, null, "sha256:bb", 10, "no kept manifest references it",
                                "orphan", ALREADY_GONE, T0, List.of("a/b", "c"))),
                List.of(repository(RepositoryBytes.SHARED, 0, 0, 0, 1, 10)),
                RunHistory.bytesByRule(List.of()));
        JsonNode node = JSON.readTree(ShowCommand.toJson(detail));
        assertThat(node.get("executionId").asLong()).isEqualTo(5);
        assertThat(node.at("/steps/0/name").asText()).isEqualTo("scan");
        assertThat(node.at("/steps/0/readCount").asLong()).isEqualTo(4);
        assertThat(node.at("/steps/0/filterCount").asLong()).isEqualTo(1);
        assertThat(node.at("/steps/0/duration").asText()).isEqualTo("PT1S");
        assertThat(node.at("/bytesByRepository/0/repository").asText()).isEqualTo("(shared)");
        assertThat(node.at("/bytesByRepository/0/bytes").asLong()).isEqualTo(10);
        assertThat(node.at("/audit/0/tag").isNull()).isTrue();
        assertThat(node.at("/audit/0/referencedBy").isNull()).isTrue();
        assertThat(node.at("/audit/1/referencedBy/1").asText()).isEqualTo("c");
        assertThat(node.at("/audit/1/outcome").asText()).isEqualTo("ALREADY_GONE");
        assertThat(node.at("/audit/1/recordedAt").asText()).isEqualTo("2025-03-04T05:06:07.250+01:00");
    }

    @Test
    void csvQuotesWhatNeedsQuotingAndWritesNullsEmpty() {
        assertThat(ShowCommand.csv(null)).isEmpty();
        assertThat(ShowCommand.csv("plain text")).isEqualTo("plain text");
        assertThat(ShowCommand.csv("a,b")).isEqualTo("\"a,b\"");
        assertThat(ShowCommand.csv("say \"hi\"")).isEqualTo("\"say \"\"hi\"\"\"");
        assertThat(ShowCommand.csv("two\nlines")).isEqualTo("\"two\nlines\"");

        String csv = ShowCommand.toCsv(List.of(
                new AuditEntry(3, DELETE_TAG, "a/b", "v1", "sha256:aa", 0, "tag selected by --image a/b, again",
                        "--image", DELETED, T0, null),
                new AuditEntry(4, DELETE_BLOB, null, null, "sha256:bb", 42, "no kept manifest references it",
                        null, PLANNED, null, List.of("a/b", "c/d"))));
        assertThat(csv.lines().toList()).containsExactly(
                ShowCommand.CSV_HEADER,
                "3,DELETE_TAG,a/b,v1,sha256:aa,0,\"tag selected by --image a/b, again\",--image,DELETED,,2025-03-04T05:06:07.250+01:00",
                "4,DELETE_BLOB,,,sha256:bb,42,no kept manifest references it,,PLANNED,a/b c/d,");
        assertThat(ShowCommand.toCsv(List.of())).isEqualTo(ShowCommand.CSV_HEADER + "\n");
    }

    @Test
    void tableAlignsColumnsAndRightAlignsNumbers() {
        String table = new Table("NAME", "COUNT>", "NOTE")
                .row("a", "7", "x")
                .row("longer name", "12345", "")
                .toString();
        assertThat(table.lines().toList()).containsExactly(
                "NAME         COUNT  NOTE",
                "a                7  x",
                "longer name  12345");
        assertThatThrownBy(() -> new Table("A", "B").row("only one"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void historyTableHasOneLinePerExecution() {
        String table = HistoryCommand.toTable(List.of(summary(12, T0.plusSeconds(90), false, totals(0, 2, 0, 0, 5, 2048, 0)),
                summary(11, null, true, Totals.NONE)));
        List<String> lines = table.lines().toList();
        assertThat(lines).hasSize(3);
        assertThat(lines.get(1)).startsWith("       12   11  2025-03-04 05:06:07  2025-03-04 05:07:37     1m30s  COMPLETED")
                .contains(" delete ", "  2  ", "  5  ", "2.0 KiB", "/srv/registry  --delete-untagged --min-age 0 --image a/b:c");
        assertThat(lines.get(2)).contains("       -  ", "STARTED", "dry run");
        assertThat(lines).allSatisfy(line -> assertThat(line).doesNotEndWith(" "));
        assertThat(HistoryCommand.toTable(List.of())).isEqualTo("No runs recorded.\n");
    }

    @Test
    void showTextNamesTheExecutionAndItsDryRun() {
        ExecutionDetail detail = new ExecutionDetail(summary(5, T0.plusSeconds(2), true, totals(0, 1, 0, 0, 1, 10, 0)),
                List.of(), List.of(new AuditEntry(1, DELETE_BLOB, null, null, "sha256:bb", 10, "why", null, PLANNED, T0,
                        List.of("a/b"))), List.of(repository("a/b", 0, 0, 0, 1, 10)), List.of());
        String text = ShowCommand.toText(detail);
        assertThat(text).startsWith("job execution 5 of run 4 (dry run: nothing was changed)\n")
                .contains("  bytes to reclaim:  10 (10 B)\n", "  would delete:", "steps:\n  (none)\n", "audit (1 rows):",
                        "(a/b)", "sha256:bb");
    }
}
