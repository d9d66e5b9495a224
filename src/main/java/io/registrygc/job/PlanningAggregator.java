package io.registrygc.job;

import io.registrygc.plan.GcPlanner;
import java.util.Collection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.partition.StepExecutionAggregator;
import org.springframework.batch.core.partition.support.DefaultStepExecutionAggregator;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Where the plan is computed: when the scan step gathers its partitions and every one of them has completed,
 * in one transaction, before the scan step itself completes. Planning needs the whole scan, and nothing after
 * the scan may run without a plan; a failure here fails the scan step, and its restart (which redoes no
 * completed partition) plans again. Planning is repeatable: it replaces any earlier plan of the run.
 */
class PlanningAggregator implements StepExecutionAggregator {

    private static final Logger log = LoggerFactory.getLogger(PlanningAggregator.class);

    private final StepExecutionAggregator counts = new DefaultStepExecutionAggregator();
    private final GcPlanner planner;
    private final TransactionTemplate transaction;

    PlanningAggregator(GcPlanner planner, TransactionTemplate transaction) {
        this.planner = planner;
        this.transaction = transaction;
    }

    @Override
    public void aggregate(StepExecution scan, Collection<StepExecution> partitions) {
        counts.aggregate(scan, partitions);
        if (scan.getStatus() != BatchStatus.COMPLETED) {
            return; // a partition failed or stopped: the scan is not complete, so there is nothing to plan from
        }
        long runId = scan.getJobExecution().getJobInstance().getInstanceId();
        long started = System.nanoTime();
        transaction.executeWithoutResult(status -> planner.plan(runId));
        log.info("planned run {} in {} ms", runId, (System.nanoTime() - started) / 1_000_000);
    }
}
