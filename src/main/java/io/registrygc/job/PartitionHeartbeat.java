package io.registrygc.job;

import io.registrygc.audit.PartitionJournal;
import io.registrygc.audit.RunJournal;
import io.registrygc.run.GcJobParameters;
import io.registrygc.storage.RequestCounts;
import io.registrygc.storage.StorageLease;
import io.registrygc.storage.StorageOpener;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.listener.StepExecutionListener;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The partitions this process executes, local threads or a remote worker alike: each is recorded with this host and
 * pid as it starts ({@code gc_partition}, shown by {@code history}/{@code show}), beaten every {@code interval} while
 * it runs, closed when it ends. A manager whose remote partition stops beating knows its worker died.
 * On a worker, the object store requests it made for an execution are added to that execution's once its last
 * partition of it here ends.
 */
public class PartitionHeartbeat implements StepExecutionListener, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PartitionHeartbeat.class);

    private final PartitionJournal partitions;
    private final RunJournal runs;
    private final StorageOpener storages;
    private final LiveRecheck liveRecheck;
    private final boolean remote;
    private final String host = StorageLease.hostName();
    private final long pid = ProcessHandle.current().pid();
    private final Map<Long, StepExecution> active = new ConcurrentHashMap<>();
    /** Per job execution this worker has partitions of: the storage's request counts when the first one started. */
    private final Map<Long, Map<RequestCounts.Kind, Long>> requestsAtStart = new ConcurrentHashMap<>();
    private final ScheduledExecutorService beats;

    PartitionHeartbeat(JdbcTemplate jdbc, StorageOpener storages, LiveRecheck liveRecheck, boolean remote,
            Duration interval) {
        this.liveRecheck = liveRecheck;
        this.partitions = new PartitionJournal(jdbc);
        this.runs = new RunJournal(jdbc);
        this.storages = storages;
        this.remote = remote;
        this.beats = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "registry-gc-heartbeat");
            thread.setDaemon(true);
            return thread;
        });
        long millis = Math.max(100, interval.toMillis());
        beats.scheduleWithFixedDelay(this::beat, millis, millis, TimeUnit.MILLISECONDS);
    }

    /** This process, as history names it. */
    public String worker() {
        return host + ":" + pid;
    }

    /** Takes a partition for this worker, before it runs: false when another worker has. */
    boolean claim(StepExecution partition) {
        return partitions.claim(partition.getId(), partition.getJobExecutionId(), partition.getStepName(), host, pid);
    }

    @Override
    public void beforeStep(StepExecution partition) {
        long jobExecutionId = partition.getJobExecutionId();
        if (remote) {
            MDC.put("run_id", String.valueOf(partition.getJobExecution().getJobInstance().getInstanceId()));
            MDC.put("job_execution_id", String.valueOf(jobExecutionId));
        }
        synchronized (active) {
            if (remote && !runsPartitionsOf(jobExecutionId)) {
                requests(partition).ifPresent(counts -> requestsAtStart.put(jobExecutionId, counts.snapshot()));
            }
            active.put(partition.getId(), partition);
        }
        if (draining) {
            partition.setTerminateOnly();
        }
        partitions.started(partition.getId(), jobExecutionId, partition.getStepName(), host, pid, remote);
        if (remote) {
            log.atInfo().setMessage(() -> "partition " + partition.getStepName() + " (step execution " + partition.getId()
                            + ") of run " + partition.getJobExecution().getJobInstance().getInstanceId() + " started on "
                            + worker())
                    .addKeyValue("event", "partition_start").addKeyValue("partition", partition.getStepName())
                    .addKeyValue("step_execution_id", partition.getId()).addKeyValue("worker", worker()).log();
        }
    }

    @Override
    public ExitStatus afterStep(StepExecution partition) {
        try {
            partitions.ended(partition.getId());
        } finally {
            long jobExecutionId = partition.getJobExecutionId();
            boolean lastOfItsExecution;
            synchronized (active) {
                active.remove(partition.getId());
                lastOfItsExecution = remote && !runsPartitionsOf(jobExecutionId);
            }
            if (lastOfItsExecution) {
                Map<RequestCounts.Kind, Long> atStart = requestsAtStart.remove(jobExecutionId);
                if (atStart != null) {
                    addRequests(partition, atStart);
                }
                // a worker sees no end of the job: its looks at the storage go with its last partition of it
                liveRecheck.forget(partition.getJobExecution().getJobInstance().getInstanceId());
            }
            if (remote) {
                log.atInfo().setMessage(() -> "partition " + partition.getStepName() + " (step execution "
                                + partition.getId() + ") ended " + partition.getStatus() + ": " + partition.getReadCount()
                                + " read, " + partition.getWriteCount() + " written")
                        .addKeyValue("event", "partition_end").addKeyValue("partition", partition.getStepName())
                        .addKeyValue("step_execution_id", partition.getId()).addKeyValue("worker", worker())
                        .addKeyValue("status", partition.getStatus().name()).addKeyValue("written", partition.getWriteCount())
                        .log();
                MDC.remove("run_id");
                MDC.remove("job_execution_id");
            }
        }
        return null;
    }

    private boolean runsPartitionsOf(long jobExecutionId) {
        return active.values().stream().anyMatch(p -> p.getJobExecutionId() == jobExecutionId);
    }

    private Optional<RequestCounts> requests(StepExecution partition) {
        return storages.open(GcJobParameters.settings(partition.getJobExecution().getJobParameters()).storageRoot()).requests();
    }

    private void addRequests(StepExecution partition, Map<RequestCounts.Kind, Long> atStart) {
        requests(partition).ifPresent(counts -> {
            Map<RequestCounts.Kind, Long> made = new EnumMap<>(RequestCounts.Kind.class);
            counts.snapshot().forEach((kind, count) -> made.put(kind, count - atStart.getOrDefault(kind, 0L)));
            try {
                runs.storageRequests(partition.getJobExecution().getJobInstance().getInstanceId(),
                        partition.getJobExecutionId(), made);
            } catch (DataAccessException e) {
                log.warn("could not record this worker's storage requests: {}", e.getMessage());
            }
        });
    }

    private void beat() {
        try {
            partitions.beat(List.copyOf(active.keySet()));
        } catch (RuntimeException e) {
            // a missed beat is not a death: the next one tries again, and the manager allows several
            log.debug("heartbeat not written: {}", e.getMessage());
        }
    }

    private volatile boolean draining;

    /**
     * The worker is going away: every partition running here stops at its next chunk boundary (it ends STOPPED, and the
     * rerun resumes it from its last checkpoint), and no new one is taken.
     */
    public void drain() {
        draining = true;
        active.values().forEach(StepExecution::setTerminateOnly);
    }

    boolean draining() {
        return draining;
    }

    /** Whether a partition is still running in this process. */
    public boolean busy() {
        return !active.isEmpty();
    }

    @Override
    public void close() {
        beats.shutdownNow();
    }
}
