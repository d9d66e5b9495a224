package io.registrygc.job;

import io.registrygc.audit.AuditLog;
import io.registrygc.monitor.RunMetrics;
import io.registrygc.plan.ExecutedItem;
import io.registrygc.plan.Outcome;
import io.registrygc.plan.PlanExecutor;
import io.registrygc.plan.PlanItem;
import java.io.IOException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.infrastructure.item.Chunk;
import org.springframework.batch.infrastructure.item.ItemWriter;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Carries out a chunk of plan items (in a dry run: only records them) and writes their audit rows in the
 * chunk's transaction. A failed deletion fails the step: nothing after it runs.
 */
class PlanItemWriter implements ItemWriter<PlanItem> {

    private static final Logger log = LoggerFactory.getLogger(PlanItemWriter.class);

    private final PlanExecutor executor;
    private final AuditLog audit;
    private final RunMetrics metrics;
    private final RunContext run;
    private final Runnable beforeDeleting;

    /** {@code beforeDeleting}: throws when this run may no longer delete (its storage lease was taken over). */
    PlanItemWriter(PlanExecutor executor, AuditLog audit, RunMetrics metrics, RunContext run, Runnable beforeDeleting) {
        this.executor = executor;
        this.audit = audit;
        this.metrics = metrics;
        this.run = run;
        this.beforeDeleting = beforeDeleting;
    }

    @Override
    public void write(Chunk<? extends PlanItem> chunk) throws IOException {
        if (!run.settings().dryRun()) {
            beforeDeleting.run();
        }
        List<ExecutedItem> done = executor.carryOut(chunk.getItems());
        done.stream().filter(e -> e.outcome() == Outcome.KEPT_CHANGED)
                .forEach(e -> log.warn("kept {}: it changed after the run's cutoff", e.item().describe()));
        audit.record(run.runId(), run.jobExecutionId(), run.settings().dryRun(), done);
        countOnCommit(done);
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
