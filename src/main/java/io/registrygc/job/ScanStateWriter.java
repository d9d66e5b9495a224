package io.registrygc.job;

import io.registrygc.scan.ScanResult;
import io.registrygc.scan.ScanStateStore;
import org.springframework.batch.infrastructure.item.Chunk;
import org.springframework.batch.infrastructure.item.ItemWriter;

/** Stores a chunk of scan results in bulk, in the chunk's transaction. */
class ScanStateWriter implements ItemWriter<ScanResult> {

    private final ScanStateStore store;
    private final long runId;

    ScanStateWriter(ScanStateStore store, long runId) {
        this.store = store;
        this.runId = runId;
    }

    @Override
    public void write(Chunk<? extends ScanResult> chunk) {
        store.store(runId, chunk.getItems());
    }
}
