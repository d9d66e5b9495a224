package io.registrygc.job;

import io.registrygc.audit.AuditLog;
import io.registrygc.monitor.RunMetrics;
import io.registrygc.plan.Outcome;
import io.registrygc.plan.PlanExecutor;
import io.registrygc.plan.PlanItem;
import io.registrygc.plan.PlanStore;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.listener.StepExecutionListener;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.infrastructure.item.Chunk;
import org.springframework.batch.infrastructure.item.ItemWriter;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Carries out plan items on the storage (or, in a dry run, only records them) and writes their audit
 * rows in the chunk's transaction. A failed deletion fails the step: nothing after it runs.
 */
class PlanItemWriter implements ItemWriter<PlanItem>, StepExecutionListener {

    private static final Logger log = LoggerFactory.getLogger(PlanItemWriter.class);

    private final PlanStore plans;
    private final AuditLog audit;
    private final RunMetrics metrics;
    private RunContext run;
    private PlanExecutor executor;

    PlanItemWriter(PlanStore plans, AuditLog audit, RunMetrics metrics) {
        this.plans = plans;
        this.audit = audit;
        this.metrics = metrics;
    }

    @Override
    public void beforeStep(StepExecution stepExecution) {
        run = RunContext.of(stepExecution);
        executor = new PlanExecutor(run.storage(), (repository, digest) -> plans.tagsIndexing(run.runId(), repository, digest),
                run.settings().cutoff());
    }

    @Override
    public void write(Chunk<? extends PlanItem> chunk) throws IOException {
        List<AuditLog.Entry> entries = new ArrayList<>(chunk.size());
        for (PlanItem item : chunk) {
            if (run.settings().dryRun()) {
                entries.add(new AuditLog.Entry(item, Outcome.PLANNED, item.bytes()));
                continue;
            }
            PlanExecutor.Result result;
            try {
                result = executor.execute(item);
            } catch (IOException e) {
                throw new IOException("cannot delete " + item.describe() + ": " + e.getMessage(), e);
            }
            if (result.outcome() == Outcome.KEPT_CHANGED) {
                log.warn("kept {}: it changed after the run's cutoff", item.describe());
            }
            entries.add(new AuditLog.Entry(item, result.outcome(), result.bytes()));
        }
        audit.record(run.runId(), run.jobExecutionId(), run.settings().dryRun(), entries);
        countOnCommit(entries);
    }

    /** The metrics count what the audit keeps: a chunk that rolls back is counted when its retry commits. */
    private void countOnCommit(List<AuditLog.Entry> entries) {
        TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
            @Override
            public void afterCommit() {
                entries.forEach(e -> metrics.record(e.item().action(), e.outcome(), e.bytes()));
            }
        });
    }
}
