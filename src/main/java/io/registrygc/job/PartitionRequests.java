package io.registrygc.job;

import io.registrygc.db.RunLock;
import io.registrygc.run.GcJobParameters;
import java.sql.SQLException;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.integration.partition.StepExecutionRequest;
import org.springframework.batch.integration.partition.StepExecutionRequestHandler;

/**
 * A worker's side of the partition queue. Before Spring Batch's {@link StepExecutionRequestHandler} executes a
 * partition, the request must still be wanted: its partition never taken, its job execution running, and the run's
 * lock held for that execution (its manager alive). A request left on the queue by a manager that died or gave up is
 * dropped, never run without its manager. A partition is claimed once ({@code gc_partition}): a request delivered again
 * after its worker was killed is dropped too, since the killed worker's silent heartbeat fails the run and the rerun
 * sends the partition again.
 */
final class PartitionRequests {

    private static final Logger log = LoggerFactory.getLogger(PartitionRequests.class);

    private final StepExecutionRequestHandler executor;
    private final JobRepository jobRepository;
    private final DataSource dataSource;
    private final PartitionHeartbeat heartbeat;

    PartitionRequests(StepExecutionRequestHandler executor, JobRepository jobRepository, DataSource dataSource,
            PartitionHeartbeat heartbeat) {
        this.executor = executor;
        this.jobRepository = jobRepository;
        this.dataSource = dataSource;
        this.heartbeat = heartbeat;
    }

    /**
     * Called by the inbound channel adapter, one partition at a time per consumer thread; the message is acknowledged
     * when this returns (a consumer busy with a partition holds no other request back from idle workers).
     */
    public void handle(StepExecutionRequest request) throws InterruptedException {
        if (heartbeat.draining()) {
            throw new RequeueException("this worker is stopping: " + request + " goes back to the queue");
        }
        Optional<String> refusal;
        try {
            refusal = refusal(request);
        } catch (RuntimeException | SQLException e) {
            // the database cannot tell now: the request goes back to the queue, for this worker or another
            TimeUnit.SECONDS.sleep(1);
            throw new RequeueException("partition request " + request + " put back: " + e.getMessage());
        }
        if (refusal.isPresent()) {
            log.warn("partition request {} dropped: {}", request, refusal.get());
            return;
        }
        StepExecution ended = executor.handle(request);
        if (ended.getStatus() == BatchStatus.FAILED) {
            log.error("partition {} (step execution {}) failed: {}", ended.getStepName(), ended.getId(),
                    ended.getFailureExceptions().stream().map(Throwable::getMessage).findFirst().orElse("?"));
        }
    }

    /** The request goes back to the queue (the listener container rejects it with requeue). */
    static final class RequeueException extends RuntimeException {
        RequeueException(String message) {
            super(message);
        }
    }

    /** Why the request must not run, if it must not; otherwise this worker has claimed its partition. */
    private Optional<String> refusal(StepExecutionRequest request) throws SQLException {
        StepExecution partition = jobRepository.getStepExecution(request.getStepExecutionId());
        if (partition == null) {
            return Optional.of("no such step execution");
        }
        if (partition.getStatus() != BatchStatus.STARTING) {
            return Optional.of("partition " + partition.getStepName() + " is " + partition.getStatus() + " already");
        }
        var jobExecution = partition.getJobExecution();
        if (jobExecution.getStatus() != BatchStatus.STARTED) {
            return Optional.of("its job execution " + jobExecution.getId() + " is " + jobExecution.getStatus());
        }
        String root = GcJobParameters.settings(jobExecution.getJobParameters()).storageRoot();
        if (RunLock.heldFor(dataSource, root, jobExecution.getId()).isEmpty()) {
            return Optional.of("the lock of " + root + " is not held for job execution " + jobExecution.getId()
                    + " (its manager is gone)");
        }
        if (!heartbeat.claim(partition)) {
            return Optional.of("another worker claimed partition " + partition.getStepName());
        }
        return Optional.empty();
    }
}
