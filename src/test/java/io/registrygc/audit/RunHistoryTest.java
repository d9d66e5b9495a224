package io.registrygc.audit;

import static org.assertj.core.api.Assertions.assertThat;

import io.registrygc.audit.history.AuditEntry;
import io.registrygc.audit.history.RepositoryBytes;
import io.registrygc.audit.history.RunParameters;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RunHistoryTest {

    private static AuditEntry blob(long seq, long bytes, String outcome, String... referencedBy) {
        return new AuditEntry(seq, "DELETE_BLOB", null, null, "sha256:" + seq, bytes, "no kept manifest references it",
                outcome, null, List.of(referencedBy));
    }

    private static AuditEntry item(long seq, String action, String repository, String outcome) {
        return new AuditEntry(seq, action, repository, "DELETE_TAG".equals(action) ? "t" : null, "sha256:" + seq, 0,
                "reason", outcome, null, null);
    }

    @Test
    void blobBytesGoToTheOneRepositoryThatReferencedThemElseToSharedOrBlobs() {
        List<RepositoryBytes> rows = RunHistory.bytesByRepository(List.of(
                item(1, "DELETE_TAG", "b/app", "DELETED"),
                item(2, "DELETE_MANIFEST", "b/app", "DELETED"),
                item(3, "DELETE_MANIFEST", "a/lib", "ALREADY_GONE"),
                item(4, "DELETE_LAYER_LINK", "a/lib", "DELETED"),
                item(5, "DELETE_REPOSITORY", "c/gone", "DELETED"),
                blob(6, 100, "DELETED", "b/app"),
                blob(7, 20, "ALREADY_GONE", "b/app"),
                blob(8, 7, "DELETED", "a/lib", "b/app"),
                blob(9, 3, "DELETED"),
                blob(10, 1000, "KEPT_CHANGED", "b/app"),
                item(11, "DELETE_MANIFEST", "b/app", "KEPT_CHANGED")));

        assertThat(rows).containsExactly(
                new RepositoryBytes("a/lib", 0, 1, 1, 0, 0),
                new RepositoryBytes("b/app", 1, 1, 0, 2, 120),
                new RepositoryBytes("c/gone", 0, 0, 0, 0, 0),
                new RepositoryBytes(RepositoryBytes.SHARED, 0, 0, 0, 1, 7),
                new RepositoryBytes(RepositoryBytes.UNREFERENCED, 0, 0, 0, 1, 3));
        assertThat(rows.stream().mapToLong(RepositoryBytes::bytes).sum()).as("kept rows do not count").isEqualTo(130);
    }

    @Test
    void dryRunRowsCountAsPlanned() {
        assertThat(RunHistory.bytesByRepository(List.of(blob(1, 5, "PLANNED", "x"))))
                .containsExactly(new RepositoryBytes("x", 0, 0, 0, 1, 5));
        assertThat(RunHistory.bytesByRepository(List.of())).isEmpty();
    }

    @Test
    void parametersAreReadBackFromTheJobParameters() {
        RunParameters p = RunParameters.of(Map.of("storageRoot", "/srv/registry", "dryRun", "true",
                "deleteUntagged", "false", "minAge", "1h", "images", "a/b c:latest", "createdAt", "2025-01-02T03:04:05Z"));
        assertThat(p).isEqualTo(new RunParameters("/srv/registry", true, false, "1h", List.of("a/b", "c:latest"),
                "2025-01-02T03:04:05Z"));
        assertThat(RunParameters.of(Map.of("images", "")).images()).isEmpty();
        RunParameters missing = RunParameters.of(Map.of());
        assertThat(missing.dryRun()).isNull();
        assertThat(missing.images()).isEmpty();
    }
}
