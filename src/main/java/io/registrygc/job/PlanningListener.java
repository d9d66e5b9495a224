package io.registrygc.job;

import io.registrygc.policy.GcPlanner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.listener.StepExecutionListener;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.transaction.support.TransactionTemplate;

/** Computes the run's plan once, in one transaction, before its first deletion step. */
class PlanningListener implements StepExecutionListener {

    private static final Logger log = LoggerFactory.getLogger(PlanningListener.class);

    private final GcPlanner planner;
    private final TransactionTemplate transaction;

    PlanningListener(GcPlanner planner, TransactionTemplate transaction) {
        this.planner = planner;
        this.transaction = transaction;
    }

    @Override
    public void beforeStep(StepExecution stepExecution) {
        long runId = stepExecution.getJobExecution().getJobInstance().getInstanceId();
        if (planner.isPlanned(runId)) {
            return;
        }
        long started = System.nanoTime();
        transaction.executeWithoutResult(status -> planner.plan(runId));
        log.info("planned run {} in {} ms", runId, (System.nanoTime() - started) / 1_000_000);
    }
}
