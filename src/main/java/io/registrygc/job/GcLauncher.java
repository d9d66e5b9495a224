package io.registrygc.job;

import io.registrygc.audit.PartitionJournal;
import io.registrygc.audit.RunJournal;
import io.registrygc.audit.RunReport;
import io.registrygc.db.RunLock;
import io.registrygc.plan.PlanItem;
import io.registrygc.plan.PlanStore;
import io.registrygc.run.GcJobParameters;
import io.registrygc.run.GcSettings;
import io.registrygc.storage.FileSystemDriver;
import io.registrygc.storage.Lease;
import io.registrygc.storage.S3Driver;
import io.registrygc.storage.S3Lease;
import io.registrygc.storage.StorageDriver;
import io.registrygc.storage.StorageOpener;
import io.registrygc.storage.StorageLease;
import io.registrygc.units.Durations;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.sql.SQLException;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Set;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import io.registrygc.run.GcJobNames;
import org.springframework.batch.core.job.JobInstance;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Starts a run the way a scheduler needs it: under the storage root's locks (the database's, and the lease that
 * lives with the storage, for runs that do not share a database), resuming the unfinished
 * run of the same command (recovering it first if a killed process left it STARTED), or else
 * starting a new job instance.
 */
@Component
public class GcLauncher {

    private static final Logger log = LoggerFactory.getLogger(GcLauncher.class);
    private static final Set<BatchStatus> UNFINISHED = Set.of(BatchStatus.FAILED, BatchStatus.STOPPED,
            BatchStatus.STARTED, BatchStatus.STARTING, BatchStatus.STOPPING, BatchStatus.UNKNOWN);
    private static final Set<BatchStatus> LEFT_RUNNING = Set.of(BatchStatus.STARTED, BatchStatus.STARTING,
            BatchStatus.STOPPING, BatchStatus.UNKNOWN);

    private final JobOperator jobOperator;
    private final JobRepository jobRepository;
    private final Job job;
    private final DataSource dataSource;
    private final JdbcTemplate jdbc;
    private final RunningExecution running;
    private final StorageOpener storages;
    /** A storage lease not renewed for this long is taken over (its holder renews it five times as often). */
    private final Duration leaseStaleAfter;
    /** A remote worker whose partition beat more recently than this may still be running it. */
    private final Duration heartbeatTimeout;

    public GcLauncher(JobOperator jobOperator, JobRepository jobRepository, Job registryGarbageCollection,
            DataSource dataSource, JdbcTemplate jdbc, RunningExecution running, StorageOpener storages,
            @Value("${registry-gc.lease.stale-after:5m}") String leaseStaleAfter,
            @Value("${registry-gc.heartbeat-timeout:30s}") Duration heartbeatTimeout) {
        this.heartbeatTimeout = heartbeatTimeout;
        this.storages = storages;
        this.leaseStaleAfter = Durations.parse(leaseStaleAfter);
        this.running = running;
        this.jobOperator = jobOperator;
        this.jobRepository = jobRepository;
        this.job = registryGarbageCollection;
        this.dataSource = dataSource;
        this.jdbc = jdbc;
    }

    /** How a run ended, for the exit code. */
    public enum Result { COMPLETED, COMPLETED_WITH_PROBLEMS, FAILED, REFUSED, LOCKED }

    public record Outcome(Result result, Long jobExecutionId, String message) {
    }

    public Outcome launch(GcSettings settings, boolean abandonUnfinished, RunOutput out) throws Exception {
        String root = settings.storageRoot();
        running.countRequestsFromNow(root);
        try (RunLock lock = RunLock.acquire(dataSource, root); Lease lease = acquireLease(settings)) {
            running.holdLease(lease);
            if (lease != null) {
                lock.recordLease(lease.holder().id());
            }
            running.onStart(id -> recordQuietly(lock, id));
            JobParameters requested = GcJobParameters.of(settings);
            JobExecution execution;
            JobExecution unfinished = lastUnfinished(root);
            List<PartitionJournal.Partition> stillRunning = unfinished == null ? List.of()
                    : new PartitionJournal(jdbc).stillBeating(unfinished.getId(), heartbeatTimeout);
            if (!stillRunning.isEmpty()) {
                // its manager is gone, but a remote worker has not yet stopped a partition of it
                return new Outcome(Result.LOCKED, unfinished.getId(), "job execution " + unfinished.getId()
                        + " still has partitions running on remote workers: " + stillRunning.stream()
                                .map(p -> p.stepName() + " on " + p.worker()).toList()
                        + "; rerun once they have stopped (their workers stop them at their next chunk boundary)");
            }
            if (unfinished != null && leftRunning(unfinished)) {
                // we hold the lock, so no process is running it any more: it was killed, or lost its database
                log.warn("job execution {} was left {} by a process that is gone; marking it failed",
                        unfinished.getId(), unfinished.getStatus());
                boolean uncertain = uncertain(unfinished);
                unfinished = markFailed(unfinished);
                if (uncertain && sameSelection(unfinished, settings)) {
                    // a chunk whose rollback could not be recorded may have left a reader's checkpoint past data
                    // that was never written: resuming could plan from a partial scan. Its deletions were garbage
                    // either way; a new run scans everything again.
                    log.warn("job execution {} ended in an unknown state (its database failed while it recorded its"
                            + " progress): it is abandoned, and a new run starts from a fresh scan", unfinished.getId());
                    jobOperator.abandon(unfinished);
                    unfinished = null;
                }
            }
            if (unfinished != null && scanSplitInterrupted(unfinished) && sameSelection(unfinished, settings)) {
                // a partition without its range cannot be resumed; nothing was deleted before the scan ends
                log.warn("job execution {} failed while it split its scan into partitions: it is abandoned, and a new"
                        + " run starts from a fresh scan", unfinished.getId());
                jobOperator.abandon(unfinished);
                unfinished = null;
            }
            if (unfinished != null && !sameSelection(unfinished, settings)) {
                if (!abandonUnfinished) {
                    return new Outcome(Result.REFUSED, unfinished.getId(), "an unfinished run (job execution "
                            + unfinished.getId() + ", " + unfinished.getStatus() + ") exists on " + root
                            + " with other options: " + describe(unfinished)
                            + ". Rerun that command to resume it, or add --abandon-unfinished to give it up and start this one.");
                }
                log.warn("abandoning unfinished job execution {}", unfinished.getId());
                jobOperator.abandon(unfinished);
                unfinished = null;
            }
            if (unfinished != null) {
                log.info("resuming job execution {} (run {}) from its last checkpoint", unfinished.getId(),
                        unfinished.getJobInstance().getInstanceId());
                execution = jobOperator.restart(unfinished);
            } else {
                execution = jobOperator.start(job, requested);
            }
            return finish(execution, out);
        } catch (RunLock.HeldElsewhereException e) {
            return new Outcome(Result.LOCKED, e.holder() == null ? null : e.holder().jobExecutionId(), e.getMessage());
        } catch (StorageLease.HeldException e) {
            return new Outcome(Result.LOCKED, null, e.getMessage());
        } finally {
            running.holdLease(null);
        }
    }

    /**
     * The storage's own lease, besides the database lock: runs with different databases on one storage exclude each
     * other too. A dry run on storage it cannot write (a read-only mount) goes on without one: it deletes nothing.
     */
    private Lease acquireLease(GcSettings settings) throws StorageLease.HeldException, IOException {
        String root = settings.storageRoot();
        Runnable onLost = () -> log.error("the storage lease of {} was taken over by another run: this run stops before"
                + " its next deletion", root);
        StorageDriver storage = storages.open(root);
        try {
            if (storage instanceof S3Driver s3) {
                return S3Lease.acquire(s3, leaseStaleAfter, "registry-gc run", onLost);
            }
            return StorageLease.acquire((FileSystemDriver) storage, leaseStaleAfter, "registry-gc run", onLost);
        } catch (FileSystemException e) {
            if (!settings.dryRun()) {
                throw e;
            }
            log.warn("dry run without a storage lease: {} cannot be written ({})", root, e.getMessage());
            return null;
        }
    }

    private Outcome finish(JobExecution execution, RunOutput out) {
        long runId = execution.getJobInstance().getInstanceId();
        if (execution.getStatus() != BatchStatus.COMPLETED) {
            String failure = execution.getAllFailureExceptions().stream().map(Throwable::getMessage).findFirst()
                    .orElse(execution.getExitStatus().getExitDescription());
            return new Outcome(Result.FAILED, execution.getId(), "run " + runId + " (job execution " + execution.getId()
                    + ") ended " + execution.getStatus() + ": " + failure
                    + "\nRerun the same command to resume it from its last checkpoint.");
        }
        RunReport report = RunReport.load(jdbc, runId);
        if (report.dryRun()) {
            printPlan(runId, out);
        }
        out.summary(report);
        Result result = report.sweepBlocked() != null ? Result.COMPLETED_WITH_PROBLEMS : Result.COMPLETED;
        return new Outcome(result, execution.getId(), null);
    }

    private void printPlan(long runId, RunOutput out) {
        PlanStore plans = new PlanStore(jdbc);
        for (PlanItem.Phase phase : PlanItem.Phase.values()) {
            List<PlanItem> page;
            long after = 0;
            do {
                page = plans.page(runId, phase, after, PLAN_PAGE);
                for (PlanItem item : page) {
                    String size = item.action() == PlanItem.Action.DELETE_BLOB ? " (" + item.bytes() + " bytes)" : "";
                    out.wouldDelete(item.describe() + size, item.reason());
                    after = item.seq();
                }
            } while (page.size() == PLAN_PAGE);
        }
    }

    private static final int PLAN_PAGE = 1000;

    /**
     * Whether an execution (or one of its steps) still looks running: left so by a process killed with it, or UNKNOWN,
     * or without an end, where a process lost its database before it could record how it ended. Spring Batch refuses
     * to restart such an execution ("already running", "cannot restart from UNKNOWN").
     */
    private static boolean leftRunning(JobExecution execution) {
        return LEFT_RUNNING.contains(execution.getStatus()) || execution.getEndTime() == null
                || execution.getStepExecutions().stream()
                        .anyMatch(step -> step.getStatus().isRunning() || step.getStatus() == BatchStatus.UNKNOWN);
    }

    /**
     * Whether the run's scan did not complete and one of its partitions was never recorded with its range (the
     * database failed while the scan was being split): such a partition cannot be resumed.
     */
    private boolean scanSplitInterrupted(JobExecution execution) {
        JobInstance instance = execution.getJobInstance();
        StepExecution scan = jobRepository.getLastStepExecution(instance, GcJobNames.SCAN);
        if (scan == null || scan.getStatus() == BatchStatus.COMPLETED) {
            return false;
        }
        for (String partition : ScanPartitioner.splitNames(scan.getExecutionContext())) {
            StepExecution last = jobRepository.getLastStepExecution(instance, GcJobNames.SCAN_PARTITION + ":" + partition);
            if (last == null || !ScanPartitioner.hasRange(last.getExecutionContext())) {
                return true;
            }
        }
        return false;
    }

    /** An execution, or one of its steps, that Spring Batch could not record the end of: its checkpoints may lie. */
    private static boolean uncertain(JobExecution execution) {
        return execution.getStatus() == BatchStatus.UNKNOWN
                || execution.getStepExecutions().stream().anyMatch(step -> step.getStatus() == BatchStatus.UNKNOWN);
    }

    /** We hold the lock, so nothing runs a left-running execution: it and its unfinished steps failed. */
    private JobExecution markFailed(JobExecution leftRunning) {
        JobExecution execution = jobRepository.getJobExecution(leftRunning.getId());
        ExitStatus failed = ExitStatus.FAILED.addExitDescription(
                "its process was killed or lost its database before it could record its end; marked failed by the next run");
        LocalDateTime now = LocalDateTime.now();
        for (StepExecution step : execution.getStepExecutions()) {
            if (step.getStatus().isRunning() || step.getStatus() == BatchStatus.UNKNOWN) {
                step.setStatus(BatchStatus.FAILED);
                step.setExitStatus(failed);
                if (step.getEndTime() == null) {
                    step.setEndTime(now);
                }
                jobRepository.update(step);
            }
        }
        execution.setStatus(BatchStatus.FAILED);
        execution.setExitStatus(failed);
        if (execution.getEndTime() == null) {
            execution.setEndTime(now);
        }
        jobRepository.update(execution);
        return execution;
    }

    /** The last execution on this storage root, if its run did not complete and was not abandoned. */
    private JobExecution lastUnfinished(String root) {
        JobExecution last = new RunJournal(jdbc).lastExecution(root).map(jobRepository::getJobExecution)
                // a later execution of the same run may have been created and not recorded (killed at once)
                .map(execution -> jobRepository.getLastJobExecution(execution.getJobInstance()))
                .orElse(null);
        return last != null && UNFINISHED.contains(last.getStatus()) ? last : null;
    }

    private static boolean sameSelection(JobExecution execution, GcSettings requested) {
        return GcJobParameters.readableSettings(execution.getJobParameters()).map(s -> s.sameSelectionAs(requested))
                .orElse(false);
    }

    private static String describe(JobExecution execution) {
        return GcJobParameters.readableSettings(execution.getJobParameters()).map(GcSettings::options)
                .orElse("(unreadable job parameters)");
    }

    /**
     * Asks the running execution to stop at its next chunk boundary (it then ends STOPPED and the next
     * run resumes it). Returns false when nothing is running.
     */
    public boolean stopGracefully() {
        JobExecution execution = running.current();
        if (execution == null) {
            return false;
        }
        log.warn("stop requested: job execution {} stops at the next chunk boundary", execution.getId());
        // In memory, on the running objects: JobOperator.stop would also write the step execution from this
        // thread, and the running step's next update would then fail on its version (ending FAILED, not STOPPED).
        execution.setStatus(BatchStatus.STOPPING);
        for (StepExecution step : execution.getStepExecutions()) {
            if (step.getStatus().isRunning()) {
                step.setTerminateOnly();
            }
        }
        return true;
    }

    private static void recordQuietly(RunLock lock, long jobExecutionId) {
        try {
            lock.recordExecution(jobExecutionId);
        } catch (SQLException e) {
            log.debug("could not record the execution in the lock table", e);
        }
    }
}
