package io.registrygc.job;

import io.registrygc.plan.GcPlanner;
import io.registrygc.storage.BlobEntry;
import io.registrygc.storage.Concurrently;
import io.registrygc.storage.Digest;
import io.registrygc.storage.StorageOpener;
import io.registrygc.storage.StorageProblem;
import io.registrygc.storage.StorageReader;
import java.io.IOException;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;
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
    private final StorageOpener storages;
    private final int threads;

    /** {@code threads}: how many layer links planning looks at at once (as many as the scan's workers). */
    PlanningAggregator(GcPlanner planner, TransactionTemplate transaction, StorageOpener storages, int threads) {
        this.planner = planner;
        this.transaction = transaction;
        this.storages = storages;
        this.threads = threads;
    }

    @Override
    public void aggregate(StepExecution scan, Collection<StepExecution> partitions) {
        counts.aggregate(scan, partitions);
        if (scan.getStatus() != BatchStatus.COMPLETED) {
            return; // a partition failed or stopped: the scan is not complete, so there is nothing to plan from
        }
        long runId = scan.getJobExecution().getJobInstance().getInstanceId();
        LookedAtStorage looked = new LookedAtStorage(() -> RunContext.of(scan, storages).reader(), threads);
        long started = System.nanoTime();
        transaction.executeWithoutResult(status -> planner.plan(runId, looked));
        long planned = (System.nanoTime() - started) / 1_000_000;
        // looking at links is storage I/O the scan left to planning, not planning: reported apart
        log.info("planned run {} in {} ms (and looked at {} in {} ms)", runId, planned - looked.millis(),
                looked.counts(), looked.millis());
    }

    /** What planning asks about (layer links, blobs), looked at on the storage several at once, with the time that took. */
    private static final class LookedAtStorage implements GcPlanner.StorageLook {
        private final Supplier<StorageReader> storage;
        private final int threads;
        private StorageReader reader; // opened when first asked: most scans (an object store's) name nothing
        private long links;
        private long blobs;
        private long nanos;

        LookedAtStorage(Supplier<StorageReader> storage, int threads) {
            this.storage = storage;
            this.threads = threads;
        }

        @Override
        public List<Optional<Instant>> times(List<GcPlanner.NamedLink> named, Consumer<StorageProblem> problems)
                throws IOException {
            links += named.size();
            StorageReader reader = reader();
            // a filesystem answers one question per thread: many in flight hide a cold disk's latency
            return timed(named, link -> reader.layerLinkTime(link.repository(), link.digest(), problems));
        }

        @Override
        public List<Optional<BlobEntry>> blobs(List<Digest> digests, Consumer<StorageProblem> problems)
                throws IOException {
            blobs += digests.size();
            StorageReader reader = reader();
            return timed(digests, digest -> reader.blob(digest, problems));
        }

        private <T, R> List<R> timed(List<T> items, Concurrently.Work<T, R> look) throws IOException {
            long started = System.nanoTime();
            try {
                return Concurrently.mapInRuns(items, threads, look);
            } finally {
                nanos += System.nanoTime() - started;
            }
        }

        /** Opened on the caller's thread, when first asked. */
        private StorageReader reader() {
            if (reader == null) {
                reader = storage.get();
            }
            return reader;
        }

        String counts() {
            return links + " layer links and " + blobs + " blobs";
        }

        long millis() {
            return nanos / 1_000_000;
        }
    }
}
