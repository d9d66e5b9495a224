package io.registrygc.audit;

import static io.registrygc.plan.Outcome.*;
import static io.registrygc.plan.PlanItem.Action.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.registrygc.audit.history.AuditEntry;
import io.registrygc.audit.history.RepositoryBytes;
import java.util.List;
import io.registrygc.plan.Outcome;
import io.registrygc.plan.PlanItem;
import io.registrygc.plan.Totals;
import org.junit.jupiter.api.Test;

class RunHistoryTest {
    static Totals totals(long tags, long manifests, long layerLinks, long repositories, long blobs, long bytes, long kept) {
        Totals.Builder b = new Totals.Builder().add(DELETE_TAG, DELETED, tags, 0).add(DELETE_MANIFEST, DELETED, manifests, 0)
                .add(DELETE_LAYER_LINK, DELETED, layerLinks, 0).add(DELETE_REPOSITORY, DELETED, repositories, 0)
                .add(DELETE_BLOB, DELETED, blobs, bytes).add(DELETE_BLOB, KEPT_CHANGED, kept, 0);
        return b.build();
    }

    static RepositoryBytes repository(String name, long tags, long manifests, long layerLinks, long blobs, long bytes) {
        return new RepositoryBytes(name, totals(tags, manifests, layerLinks, 0, blobs, bytes, 0));
    }


    private static AuditEntry blob(long seq, long bytes, Outcome outcome, String... referencedBy) {
        return new AuditEntry(seq, DELETE_BLOB, null, null, "sha256:" + seq, bytes, "no kept manifest references it",
                null, outcome, null, List.of(referencedBy));
    }

    private static AuditEntry item(long seq, PlanItem.Action action, String repository, Outcome outcome) {
        return new AuditEntry(seq, action, repository, action == DELETE_TAG ? "t" : null, "sha256:" + seq, 0,
                "reason", null, outcome, null, null);
    }

    @Test
    void blobBytesGoToTheOneRepositoryThatReferencedThemElseToSharedOrBlobs() {
        List<RepositoryBytes> rows = RunHistory.bytesByRepository(List.of(
                item(1, DELETE_TAG, "b/app", DELETED),
                item(2, DELETE_MANIFEST, "b/app", DELETED),
                item(3, DELETE_MANIFEST, "a/lib", ALREADY_GONE),
                item(4, DELETE_LAYER_LINK, "a/lib", DELETED),
                item(5, DELETE_REPOSITORY, "c/gone", DELETED),
                blob(6, 100, DELETED, "b/app"),
                blob(7, 20, ALREADY_GONE, "b/app"),
                blob(8, 7, DELETED, "a/lib", "b/app"),
                blob(9, 3, DELETED),
                blob(10, 1000, KEPT_CHANGED, "b/app"),
                item(11, DELETE_MANIFEST, "b/app", KEPT_CHANGED)));

        assertThat(rows).containsExactly(
                repository("a/lib", 0, 1, 1, 0, 0),
                repository("b/app", 1, 1, 0, 2, 120),
                new RepositoryBytes("c/gone", totals(0, 0, 0, 1, 0, 0, 0)),
                repository(RepositoryBytes.SHARED, 0, 0, 0, 1, 7),
                repository(RepositoryBytes.UNREFERENCED, 0, 0, 0, 1, 3));
        assertThat(rows.stream().mapToLong(r -> r.totals().bytes()).sum()).as("kept rows do not count").isEqualTo(130);
    }

    @Test
    void dryRunRowsCountAsPlanned() {
        assertThat(RunHistory.bytesByRepository(List.of(blob(1, 5, PLANNED, "x"))))
                .containsExactly(repository("x", 0, 0, 0, 1, 5));
        assertThat(RunHistory.bytesByRepository(List.of())).isEmpty();
    }
}
