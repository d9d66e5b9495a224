package io.registrygc.job;

import io.registrygc.audit.AuditLog;
import io.registrygc.monitor.RunMetrics;
import io.registrygc.plan.ExecutedItem;
import io.registrygc.plan.Outcome;
import io.registrygc.plan.PlanExecutor;
import io.registrygc.plan.PlanItem;
import io.registrygc.plan.PlanStore;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.infrastructure.item.Chunk;
import org.springframework.batch.infrastructure.item.ItemWriter;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Carries out a chunk of plan items (in a dry run: only records them) and writes their audit rows in the
 * chunk's transaction. A failed deletion fails the step: nothing after it runs. Before deleting, it looks at the
 * storage for what was pushed since ({@link LiveRecheck}); blob data goes only a grace after this partition's
 * layer links went (the plan reader gives a partition's links first).
 */
class PlanItemWriter implements ItemWriter<PlanItem> {

    private static final Logger log = LoggerFactory.getLogger(PlanItemWriter.class);

    private final PlanExecutor executor;
    private final AuditLog audit;
    private final RunMetrics metrics;
    private final RunContext run;
    private final Runnable verifyLease;
    private final LiveRecheck live;
    private final PlanStore plans;
    /** When this partition last deleted links; at first, when it started (an earlier execution may just have). */
    private long linksDeletedAt = System.nanoTime();
    /** Whether this partition has deleted blob data: a layer link to delete after that is a plan out of order. */
    private boolean dataReached;

    /** {@code verifyLease}: throws when this run may no longer delete (its storage lease was taken over). */
    PlanItemWriter(PlanExecutor executor, AuditLog audit, RunMetrics metrics, RunContext run, Runnable verifyLease,
            LiveRecheck live, PlanStore plans) {
        this.executor = executor;
        this.audit = audit;
        this.metrics = metrics;
        this.run = run;
        this.verifyLease = verifyLease;
        this.live = live;
        this.plans = plans;
    }

    @Override
    public void write(Chunk<? extends PlanItem> chunk) throws IOException {
        List<? extends PlanItem> items = chunk.getItems();
        int firstData = 0;
        while (firstData < items.size() && items.get(firstData).action() != PlanItem.Action.DELETE_BLOB) {
            firstData++;
        }
        requireLinksBeforeData(items, firstData);
        List<ExecutedItem> done = new ArrayList<>(carryOut(items.subList(0, firstData)));
        if (firstData > 0) {
            linksDeletedAt = System.nanoTime();
        }
        if (firstData < items.size()) {
            if (!run.settings().dryRun()) {
                awaitGrace();
            }
            done.addAll(carryOut(items.subList(firstData, items.size())));
            dataReached = true;
        }
        done.stream().filter(e -> e.outcome() == Outcome.KEPT_CHANGED)
                .forEach(e -> log.warn("kept {}: it changed after the run's cutoff", e.item().describe()));
        audit.record(run.runId(), run.jobExecutionId(), run.settings().dryRun(), done);
        countOnCommit(done);
    }

    private List<ExecutedItem> carryOut(List<? extends PlanItem> items) throws IOException {
        if (items.isEmpty()) {
            return List.of();
        }
        if (!run.settings().dryRun()) {
            verifyLease.run();
            if (live.lookBeforeDeleting(run)) {
                items = plans.withCurrentDrift(run.runId(), items);
            }
        }
        List<ExecutedItem> done = executor.carryOut(items);
        if (!run.settings().dryRun()) {
            live.deleted(run.runId());
        }
        return done;
    }

    /**
     * The planner numbers a partition's layer links before its blobs; a link that comes after blob data would, for a
     * moment, point at nothing (a pull of it fails). A drifted item is only recorded, so its place does not matter.
     */
    private void requireLinksBeforeData(List<? extends PlanItem> items, int firstData) {
        for (int i = dataReached ? 0 : firstData; i < items.size(); i++) {
            PlanItem item = items.get(i);
            if (item.action() == PlanItem.Action.DELETE_LAYER_LINK && item.drift() == null) {
                throw new IllegalStateException("plan out of order: " + item.describe() + " (item " + item.seq()
                        + ") comes after blob data of its partition; nothing more is deleted in it");
            }
        }
    }

    private void awaitGrace() throws IOException {
        try {
            LiveRecheck.sleepUntil(linksDeletedAt + live.grace(run).toNanos());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting to delete blob data", e);
        }
    }

    /** The metrics count what the audit keeps: a chunk that rolls back is counted when its retry commits. */
    private void countOnCommit(List<ExecutedItem> done) {
        TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
            @Override
            public void afterCommit() {
                done.forEach(e -> metrics.record(e.item().action(), e.outcome(), e.bytes()));
            }
        });
    }
}
