package io.registrygc.job;

import io.registrygc.plan.PlanItem;
import io.registrygc.plan.PlanStore;
import java.util.ArrayDeque;
import java.util.Deque;
import org.springframework.batch.core.listener.StepExecutionListener;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.item.ItemStreamReader;

/** Reads one phase of the plan in order; its checkpoint is the sequence number of the last item read. */
class PlanItemReader implements ItemStreamReader<PlanItem>, StepExecutionListener {

    private static final int PAGE = 500;

    private final PlanStore plans;
    private final PlanItem.Phase phase;
    private final String checkpointKey;
    private final Deque<PlanItem> buffer = new ArrayDeque<>();
    private long runId;
    private long lastSeq;
    private boolean exhausted;

    PlanItemReader(PlanStore plans, PlanItem.Phase phase) {
        this.plans = plans;
        this.phase = phase;
        this.checkpointKey = checkpointKey(phase);
    }

    static String checkpointKey(PlanItem.Phase phase) {
        return "plan." + phase.name().toLowerCase(java.util.Locale.ROOT) + ".lastSeq";
    }

    @Override
    public void beforeStep(StepExecution stepExecution) {
        runId = stepExecution.getJobExecution().getJobInstance().getInstanceId();
    }

    @Override
    public void open(ExecutionContext context) {
        lastSeq = context.containsKey(checkpointKey) ? context.getLong(checkpointKey) : 0;
        buffer.clear();
        exhausted = false;
    }

    @Override
    public PlanItem read() {
        if (buffer.isEmpty() && !exhausted) {
            long after = lastSeq;
            buffer.addAll(plans.page(runId, phase, after, PAGE));
            exhausted = buffer.size() < PAGE;
        }
        PlanItem item = buffer.poll();
        if (item != null) {
            lastSeq = item.seq();
        }
        return item;
    }

    @Override
    public void update(ExecutionContext context) {
        context.putLong(checkpointKey, lastSeq);
    }
}
