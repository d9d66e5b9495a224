package io.registrygc.job;

import io.registrygc.audit.RunJournal;
import io.registrygc.run.GcJobParameters;
import io.registrygc.run.GcSettings;
import io.registrygc.monitor.RunMetrics;
import io.registrygc.storage.Lease;
import io.registrygc.storage.RequestCounts;
import io.registrygc.storage.StorageLease;
import io.registrygc.storage.StorageOpener;
import io.registrygc.db.RunLock;
import java.io.IOException;
import java.sql.SQLException;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongConsumer;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.listener.JobExecutionListener;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * The job execution this process is running: recorded in our run journal as it starts and ends, named in one
 * log line and in the logging context while it runs, and at hand so a SIGTERM can stop it at the next chunk
 * boundary.
 */
@Component
public class RunningExecution implements JobExecutionListener {

    private static final Logger log = LoggerFactory.getLogger("io.registrygc.run");

    private final RunJournal journal;
    private volatile JobExecution current;
    private volatile LongConsumer onStart = id -> { };
    private volatile Lease lease;

    private final int keepScanState;
    private final StorageOpener storages;
    private final RunMetrics metrics;
    private final DataSource dataSource;
    /** This process is a remote worker: it deletes for runs whose lock and lease another process holds. */
    private final boolean worker;
    /** The object store's request counts when the execution started (its driver counts for the whole process). */
    private volatile Map<RequestCounts.Kind, Long> requestsAtStart = Map.of();
    /** Set by the launcher before it takes the storage lease, so that the lease's requests count with the execution. */
    private volatile Map<RequestCounts.Kind, Long> requestsAtLaunch;

    RunningExecution(JdbcTemplate jdbc, @Value("${registry-gc.scan-state.keep-runs:3}") int keepScanState,
            StorageOpener storages, RunMetrics metrics, @Value("${registry-gc.worker:false}") boolean worker) {
        this.journal = new RunJournal(jdbc);
        this.dataSource = jdbc.getDataSource();
        this.worker = worker;
        this.keepScanState = Math.max(1, keepScanState);
        this.storages = storages;
        this.metrics = metrics;
    }

    private Optional<RequestCounts> requests(JobExecution jobExecution) {
        return storages.open(GcJobParameters.settings(jobExecution.getJobParameters()).storageRoot()).requests();
    }

    void onStart(LongConsumer callback) {
        this.onStart = callback;
    }

    public JobExecution current() {
        return current;
    }

    /** Counts an object store's requests from now on for the execution about to start (its lease's included). */
    void countRequestsFromNow(String storageRoot) {
        requestsAtLaunch = storages.open(storageRoot).requests().map(RequestCounts::snapshot).orElse(null);
    }

    /** The storage lease the running execution holds (null: none, e.g. in tests that run the job directly). */
    void holdLease(Lease lease) {
        this.lease = lease;
    }

    /**
     * Before deleting: throws StorageLease.LostException when the storage lease went to another run. On a remote
     * worker, which holds neither, when the run's manager no longer holds the run's lock or its lease.
     */
    void verifyLease(RunContext run) {
        Lease held = lease;
        if (held != null) {
            held.verify();
        } else if (worker) {
            verifyManagerHolds(run);
        }
    }

    private void verifyManagerHolds(RunContext run) {
        String root = run.settings().storageRoot();
        try {
            Optional<RunLock.Holder> holder = RunLock.heldFor(dataSource, root, run.jobExecutionId());
            if (holder.isEmpty()) {
                throw new StorageLease.LostException("the manager of job execution " + run.jobExecutionId()
                        + " no longer holds the lock of " + root + "; stopped before deleting more");
            }
            String leaseId = holder.get().leaseId();
            if (leaseId == null) {
                return; // a dry run's manager may hold none
            }
            Optional<StorageLease.Holder> lease = StorageLease.current(run.reader().driver());
            if (!lease.map(StorageLease.Holder::id).filter(leaseId::equals).isPresent()) {
                throw new StorageLease.LostException("the storage lease of " + root + " is no longer the one job execution "
                        + run.jobExecutionId() + " took (" + lease.map(StorageLease.Holder::describe).orElse("gone")
                        + "); stopped before deleting more");
            }
        } catch (SQLException | IOException e) {
            throw new StorageLease.LostException("cannot tell whether the run's manager still holds " + root + " ("
                    + e.getMessage() + "); stopped before deleting");
        }
    }

    @Override
    public void beforeJob(JobExecution jobExecution) {
        current = jobExecution;
        long runId = jobExecution.getJobInstance().getInstanceId();
        // every log line of the run says which run and execution it belongs to (JSON logs: fields)
        MDC.put("run_id", String.valueOf(runId));
        MDC.put("job_execution_id", String.valueOf(jobExecution.getId()));
        GcSettings settings = GcJobParameters.settings(jobExecution.getJobParameters());
        journal.executionStarted(runId, jobExecution.getId(), settings);
        log.atInfo().setMessage(() -> "run " + runId + " (job execution " + jobExecution.getId() + ") on "
                        + settings.storageRoot() + ": " + settings.options())
                .addKeyValue("event", "run_start").addKeyValue("storage_root", settings.storageRoot().toString())
                .addKeyValue("options", settings.options()).log();
        onStart.accept(jobExecution.getId());
        Optional<RequestCounts> requests = requests(jobExecution);
        Map<RequestCounts.Kind, Long> atLaunch = requestsAtLaunch;
        requestsAtLaunch = null;
        requestsAtStart = atLaunch != null ? atLaunch : requests.map(RequestCounts::snapshot).orElse(Map.of());
        requests.ifPresent(metrics::storageRequests);
    }

    /** Earlier runs' scan state goes once a run completed; failing to prune never fails the run. */
    private void pruneScanState(String storageRoot) {
        try {
            List<Long> pruned = journal.pruneScanState(storageRoot, keepScanState);
            if (!pruned.isEmpty()) {
                log.info("dropped the scan state of earlier runs {} (kept: the newest {} runs' scan state, and every"
                        + " run's plan, audit and history)", pruned, keepScanState);
            }
        } catch (DataAccessException e) {
            log.warn("could not drop the scan state of earlier runs (tried again after the next run): {}", e.getMessage());
        }
    }

    @Override
    public void afterJob(JobExecution jobExecution) {
        current = null;
        try {
            requests(jobExecution).ifPresent(counts -> {
                Map<RequestCounts.Kind, Long> made = new EnumMap<>(RequestCounts.Kind.class);
                counts.snapshot().forEach((kind, count) -> made.put(kind, count - requestsAtStart.getOrDefault(kind, 0L)));
                journal.storageRequests(jobExecution.getJobInstance().getInstanceId(), jobExecution.getId(), made);
            });
            journal.executionEnded(jobExecution.getId(), jobExecution.getStatus().name());
            if (jobExecution.getStatus() == BatchStatus.COMPLETED) {
                pruneScanState(GcJobParameters.settings(jobExecution.getJobParameters()).storageRoot().toString());
            }
        } finally {
            MDC.remove("run_id");
            MDC.remove("job_execution_id");
        }
    }
}
