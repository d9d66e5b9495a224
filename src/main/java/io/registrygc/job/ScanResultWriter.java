package io.registrygc.job;

import io.registrygc.scan.ScanResult;
import io.registrygc.state.ScanStateStore;
import org.springframework.batch.core.listener.StepExecutionListener;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.infrastructure.item.Chunk;
import org.springframework.batch.infrastructure.item.ItemWriter;

/** Stores a chunk of scan results in bulk; a scan that starts from the beginning first forgets old state. */
class ScanResultWriter implements ItemWriter<ScanResult>, StepExecutionListener {

    private final ScanStateStore store;
    private long runId;

    ScanResultWriter(ScanStateStore store) {
        this.store = store;
    }

    @Override
    public void beforeStep(StepExecution stepExecution) {
        RunContext run = RunContext.of(stepExecution);
        runId = run.runId();
        store.createRun(runId, run.settings());
        if (!stepExecution.getExecutionContext().containsKey(ScanTargetReader.LAST_KEY)) {
            store.clearScan(runId);
        }
    }

    @Override
    public void write(Chunk<? extends ScanResult> chunk) {
        store.store(runId, chunk.getItems());
    }
}
