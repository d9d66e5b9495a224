package io.registrygc.job;

import io.registrygc.policy.GcPlanner;
import io.registrygc.scan.ScanResult;
import io.registrygc.scan.ScanStateStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.infrastructure.item.Chunk;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.item.ItemStreamWriter;

/**
 * Stores a chunk of scan results in bulk. Storing the scan's end completes the scan, and then the run's plan
 * is computed, in the same chunk transaction: the plan commits with the scan's last checkpoint, so a restart
 * finds either an unfinished scan (and plans when it ends) or a finished scan with its plan.
 */
class ScanStateWriter implements ItemStreamWriter<ScanResult> {

    private static final Logger log = LoggerFactory.getLogger(ScanStateWriter.class);

    private final ScanStateStore store;
    private final GcPlanner planner;
    private final long runId;

    ScanStateWriter(ScanStateStore store, GcPlanner planner, long runId) {
        this.store = store;
        this.planner = planner;
        this.runId = runId;
    }

    @Override
    public void open(ExecutionContext context) {
        if (!context.containsKey(ScanTargetReader.LAST_KEY)) {
            store.clearScan(runId); // a scan from the beginning forgets what an earlier attempt stored
        }
    }

    @Override
    public void write(Chunk<? extends ScanResult> chunk) {
        store.store(runId, chunk.getItems());
        if (chunk.getItems().stream().anyMatch(ScanResult.End.class::isInstance)) {
            long started = System.nanoTime();
            planner.plan(runId);
            log.info("planned run {} in {} ms", runId, (System.nanoTime() - started) / 1_000_000);
        }
    }
}
