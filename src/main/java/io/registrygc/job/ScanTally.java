package io.registrygc.job;

import io.registrygc.scan.ScanResult;
import io.registrygc.monitor.StepProgressListener;
import java.util.concurrent.atomic.AtomicLong;

/** What the scan has found so far, for its progress lines (the scan's total is not known in advance). */
final class ScanTally implements StepProgressListener.Tally<ScanResult> {

    private final AtomicLong blobs = new AtomicLong();
    private final AtomicLong repositories = new AtomicLong();
    private final AtomicLong manifests = new AtomicLong();
    private final AtomicLong problems = new AtomicLong();

    @Override
    public void accept(ScanResult result) {
        if (result instanceof ScanResult.Blobs found) {
            blobs.addAndGet(found.blobs().size());
        } else if (result instanceof ScanResult.Repository repository) {
            repositories.incrementAndGet();
            manifests.addAndGet(repository.manifests().size());
        }
        problems.addAndGet(result.problems().size());
    }

    @Override
    public void reset() {
        for (AtomicLong counter : new AtomicLong[] {blobs, repositories, manifests, problems}) {
            counter.set(0);
        }
    }

    @Override
    public String get() {
        return blobs.get() + " blobs, " + repositories.get() + " repositories, "
                + manifests.get() + " manifests" + (problems.get() > 0 ? ", " + problems.get() + " problems" : "");
    }
}
