package io.registrygc.testsupport;

import io.registrygc.plan.PlanItem;
import io.registrygc.plan.PlanStore;
import io.registrygc.plan.GcPlanner;
import io.registrygc.run.GcSettings;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The planner's decisions for one scanned registry, read back from the database: the plan of each phase (through
 * the product's {@link PlanStore}), why the sweep was blocked, and each manifest's keep or delete reason (keyed
 * {@code repository@digest}).
 */
public record PlannedRun(long runId, List<PlanItem> manifestPhase, List<PlanItem> blobPhase, String sweepBlocked,
        Map<String, String> keepReasons, Map<String, String> deleteReasons, List<String> problems) {

    /** Creates a run with these settings, stores the scan, plans it, reads the outcome and forgets the run. */
    public static PlannedRun plan(ScanFixture scan, GcSettings settings) {
        return plan(scan, settings, GcPlanner.StorageLook.NONE);
    }

    /**
     * Plans {@code dryScan} as the dry run {@code dryRun}, then {@code scan} as the run that applies that plan (as
     * {@code registry-gc apply} does); the applying run's outcome. Both runs are forgotten.
     */
    public static PlannedRun applying(ScanFixture dryScan, GcSettings dryRun, ScanFixture scan) {
        JdbcTemplate jdbc = MigratedDatabase.jdbc();
        long dryRunId = MigratedDatabase.startRun(dryRun);
        try {
            dryScan.storeInto(jdbc, dryRunId);
            planAsTheJobDoes(jdbc, new GcPlanner(jdbc), dryRunId);
            long runId = MigratedDatabase.startRun(dryRun.applying(dryRunId, dryRun.createdAt()));
            try {
                scan.storeInto(jdbc, runId);
                planAsTheJobDoes(jdbc, new GcPlanner(jdbc), runId);
                return read(runId);
            } finally {
                MigratedDatabase.forgetRun(runId);
            }
        } finally {
            MigratedDatabase.forgetRun(dryRunId);
        }
    }

    /** As {@link #plan(ScanFixture, GcSettings)}, where {@code links} answers for the layer links the scan only named. */
    public static PlannedRun plan(ScanFixture scan, GcSettings settings, GcPlanner.StorageLook links) {
        JdbcTemplate jdbc = MigratedDatabase.jdbc();
        long runId = MigratedDatabase.startRun(settings);
        try {
            scan.storeInto(jdbc, runId);
            planAsTheJobDoes(jdbc, new GcPlanner(jdbc), runId, links);
            return read(runId);
        } finally {
            MigratedDatabase.forgetRun(runId);
        }
    }

    /**
     * Plans in one transaction, as the scan step does: the planner's settings (hash joins only, the statistics'
     * sample) are {@code SET LOCAL} and hold only there.
     */
    public static void planAsTheJobDoes(JdbcTemplate jdbc, GcPlanner planner, long runId) {
        planAsTheJobDoes(jdbc, planner, runId, GcPlanner.StorageLook.NONE);
    }

    public static void planAsTheJobDoes(JdbcTemplate jdbc, GcPlanner planner, long runId, GcPlanner.StorageLook links) {
        new TransactionTemplate(new DataSourceTransactionManager(jdbc.getDataSource()))
                .executeWithoutResult(status -> planner.plan(runId, links));
    }

    /** What the planner left in the database for a run. */
    public static PlannedRun read(long runId) {
        JdbcTemplate jdbc = MigratedDatabase.jdbc();
        PlanStore plans = new PlanStore(jdbc);
        Map<String, String> keep = new LinkedHashMap<>();
        Map<String, String> delete = new LinkedHashMap<>();
        jdbc.query("SELECT repository, digest, keep_reason, delete_reason FROM gc_manifest WHERE run_id = ? ORDER BY repository, digest",
                rs -> {
                    String key = rs.getString(1) + "@" + rs.getString(2);
                    if (rs.getString(3) != null) {
                        keep.put(key, rs.getString(3));
                    }
                    if (rs.getString(4) != null) {
                        delete.put(key, rs.getString(4));
                    }
                }, runId);
        List<String> problems = jdbc.queryForList(
                "SELECT path || ': ' || message || ' (' || impact || ')' FROM gc_problem WHERE run_id = ? ORDER BY path, message",
                String.class, runId);
        String sweepBlocked = jdbc.queryForObject("SELECT sweep_blocked FROM gc_run WHERE run_id = ?", String.class, runId);
        return new PlannedRun(runId, plans.page(runId, PlanItem.Phase.MANIFESTS, 0, Integer.MAX_VALUE),
                plans.page(runId, PlanItem.Phase.BLOBS, 0, Integer.MAX_VALUE), sweepBlocked, keep, delete, problems);
    }
}
