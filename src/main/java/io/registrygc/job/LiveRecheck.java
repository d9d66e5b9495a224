package io.registrygc.job;

import io.registrygc.manifest.ManifestParser;
import io.registrygc.plan.NeededByPushes;
import io.registrygc.plan.PlanRecheck;
import io.registrygc.plan.WithdrawnContent;
import io.registrygc.scan.RecentManifests;
import io.registrygc.scan.RecentManifests.Look;
import io.registrygc.storage.WriteBack;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.listener.JobExecutionListener;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Online collection. The first re-check of a run (in a process) reads everything written since the cutoff and keeps
 * its watch here; then the re-checks that start the next phases, and each chunk before it deletes anything, ask for
 * a look that starts after they asked. A look reads only the repositories where a revision or a layer link appeared since the last one
 * ({@code RepositoryWatch}); the partitions of a phase share the looks, one at a time, so one look serves every chunk
 * that was waiting for it. What the look finds is marked in a transaction of its own, committed before the chunk
 * deletes, so it is never lost with a chunk that rolls back; a look that found something is followed by another
 * until one finds nothing, so the last look before a deletion is a short one.
 *
 * <p>What no look can see is a push the registry checked just before a deletion and wrote just after the look. For
 * a link, every look writes back the links that the manifests found so far need ({@link NeededByPushes}). A layer's
 * data cannot be written back, so it goes only {@link #grace} after the links that served it, when every request that
 * could still rely on them has ended and its manifest shows in the next look. A manifest's own blob is served without
 * a link (the registry looks at its data, then writes only the links), so the content of every small JSON blob is
 * kept before its data goes ({@link WithdrawnContent}), and every look writes back the data a pushed manifest needs.
 *
 * <p>An execution started with the registry offline ({@code --registry-offline}: stopped or read-only, what the
 * registry's own garbage-collect requires) neither looks nor waits: nothing can be pushed while it runs. The manager
 * records that in the job execution's context, where the partitions' steps read it, on remote workers too.
 */
class LiveRecheck implements JobExecutionListener {

    private static final Logger log = LoggerFactory.getLogger(LiveRecheck.class);
    private static final int MAX_LOOKS_UNTIL_QUIET = 5;
    private static final String REGISTRY_OFFLINE = "registry-gc.registryOffline";

    private final PlanRecheck recheck;
    private final JobRepository jobRepository;
    private final TransactionTemplate ownTransaction;
    private final Duration grace;
    private final boolean offlineHere;
    private final WithdrawnContent withdrawn;
    /** Per run, the watch its phases share (one process runs a run's phases one after the other). */
    private final Map<Long, PhaseLooks> phases = new ConcurrentHashMap<>();
    private final Map<Long, Long> lastDeletion = new ConcurrentHashMap<>();

    /**
     * {@code ownTransaction}: REQUIRES_NEW, so the marks commit before the chunk that asked deletes anything.
     * {@code offlineHere}: the executions this process starts are told that the registry is offline.
     */
    LiveRecheck(PlanRecheck recheck, JobRepository jobRepository, TransactionTemplate ownTransaction, Duration grace,
            boolean offlineHere, WithdrawnContent withdrawn) {
        this.recheck = recheck;
        this.jobRepository = jobRepository;
        this.ownTransaction = ownTransaction;
        this.grace = grace;
        this.offlineHere = offlineHere;
        this.withdrawn = withdrawn;
    }

    /** The looks' reader of what was written since the cutoff; a manifest whose data the run deleted is read as kept. */
    RecentManifests recentManifests(RunContext run) {
        return new RecentManifests(run.reader(), new ManifestParser(),
                digest -> Optional.ofNullable(withdrawn.among(run.runId(), List.of(digest)).get(digest)));
    }

    /** Whether an execution was started with the registry offline (set, or cleared on a resume, by its manager). */
    static boolean registryOffline(JobExecution execution) {
        return execution.getExecutionContext().containsKey(REGISTRY_OFFLINE);
    }

    @Override
    public void beforeJob(JobExecution jobExecution) {
        if (offlineHere) {
            jobExecution.getExecutionContext().putString(REGISTRY_OFFLINE, "true");
            log.info("the registry is offline (--registry-offline): no look for pushes during the run");
        } else {
            jobExecution.getExecutionContext().remove(REGISTRY_OFFLINE);
        }
        // stored now, not after the first step: a resume skips the completed steps, and a remote worker reads the
        // context from the database (else it would follow the execution this one resumes, whose context was copied)
        jobRepository.updateExecutionContext(jobExecution);
    }

    /** How long a request the registry has checked may take to write its manifest; nothing when it is offline. */
    Duration grace(RunContext run) {
        return run.registryOffline() ? Duration.ZERO : grace;
    }

    /**
     * The look that starts a phase. In a process that has looked at this run before, it goes on from that look;
     * otherwise (the first phase, or a resume) it reads everything written since the cutoff and forgets what an
     * earlier execution found. The links the manifests found so far need are written back.
     */
    void lookAtPhaseStart(RunContext run, RecentManifests recent, PlanRecheck planRecheck) {
        if (run.registryOffline()) {
            return;
        }
        long askedAt = System.nanoTime();
        PhaseLooks going = phases.get(run.runId());
        if (going != null) {
            going.lookAfter(askedAt);
            return;
        }
        RecentManifests.Watch watch = recent.watch(run.settings().cutoff());
        Look written = watch.look(problem -> log.debug("re-check: {}", problem));
        int kept = planRecheck.holdWhatRecentManifestsReference(run.runId(), written);
        // the audit records each kept item (outcome DRIFTED, with what holds it) when its phase runs
        if (kept > 0) {
            log.warn("{} manifests and {} layer links were written since the run's cutoff; {} plan items they hold on"
                    + " to are kept", written.manifests().size(), written.links().size(), kept);
        }
        PhaseLooks looks = new PhaseLooks(run.runId(), watch, askedAt, new WriteBack(run.reader().driver()));
        looks.needed.addAll(written.manifests());
        looks.restoreMissing();
        phases.put(run.runId(), looks);
    }

    /** A chunk of {@code runId} deleted links or manifests now: the next phase's re-check waits out the grace after it. */
    void deleted(long runId) {
        lastDeletion.put(runId, System.nanoTime());
    }

    /** Waits until the run's grace has passed since its last deletion in this process (none: the registry is offline). */
    void awaitGraceAfterDeletions(RunContext run) throws InterruptedException {
        Long last = lastDeletion.get(run.runId());
        if (last != null) {
            sleepUntil(last + grace(run).toNanos());
        }
    }

    static void sleepUntil(long nanoTime) throws InterruptedException {
        long left = nanoTime - System.nanoTime();
        if (left > 0) {
            java.util.concurrent.TimeUnit.NANOSECONDS.sleep(left);
        }
    }

    @Override
    public void afterJob(JobExecution jobExecution) {
        forget(jobExecution.getJobInstance().getInstanceId());
    }

    /** Drops a run's looks: its execution ended here, or a remote worker ran its last partition of it for now. */
    void forget(long runId) {
        phases.remove(runId);
        lastDeletion.remove(runId);
    }

    /**
     * Looks at the storage again before a chunk of {@code run} deletes. Returns true when a look of this phase
     * has marked plan items since the phase started: the chunk's items, read before, must then be read again.
     */
    boolean lookBeforeDeleting(RunContext run) {
        if (run.registryOffline()) {
            return false;
        }
        long askedAt = System.nanoTime();
        PhaseLooks looks = phases.computeIfAbsent(run.runId(), id -> new PhaseLooks(id,
                recentManifests(run).watch(run.settings().cutoff()), askedAt - 1, new WriteBack(run.reader().driver())));
        return looks.lookAfter(askedAt);
    }

    private final class PhaseLooks {
        private final long runId;
        private final RecentManifests.Watch watch;
        private final WriteBack writeBack;
        private final NeededByPushes needed = new NeededByPushes();
        private long lastLookStarted;
        private boolean marked;

        PhaseLooks(long runId, RecentManifests.Watch watch, long lookedAt, WriteBack writeBack) {
            this.runId = runId;
            this.watch = watch;
            this.lastLookStarted = lookedAt;
            this.writeBack = writeBack;
        }

        synchronized boolean lookAfter(long askedAt) {
            for (int round = 0; round < MAX_LOOKS_UNTIL_QUIET && lastLookStarted - askedAt < 0; round++) {
                long started = System.nanoTime();
                Look found = watch.look(problem -> log.debug("re-check: {}", problem));
                if (found.isEmpty()) {
                    lastLookStarted = started;
                    break;
                }
                Integer kept = ownTransaction.execute(status -> recheck.holdAlsoWhatTheseReference(runId, found));
                marked = true;
                needed.addAll(found.manifests());
                log.warn("{} manifests and {} layer links were written during the phase; {} plan items they hold on to"
                        + " are kept", found.manifests().size(), found.links().size(), kept);
                // what was written while this look marked shows in the next one
            }
            restoreMissing();
            return marked;
        }

        void restoreMissing() {
            try {
                List<String> restored = needed.restoreMissing(writeBack, digests -> withdrawn.among(runId, digests));
                restored.forEach(what -> log.warn("wrote back {}: the run deleted it while the manifest was pushed", what));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write back what a manifest pushed during the run needs", e);
            }
        }
    }
}
