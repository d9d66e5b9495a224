package io.registrygc.job;

import io.registrygc.audit.PartitionJournal;
import io.registrygc.audit.PartitionJournal.Partition;
import io.registrygc.broker.PartitionQueue;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.amqp.AmqpException;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.partition.PartitionHandler;
import org.springframework.batch.core.partition.StepExecutionSplitter;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.scope.context.StepSynchronizationManager;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.integration.partition.MessageChannelPartitionHandler;
import org.springframework.messaging.MessagingException;

/**
 * The manager's side of a partitioned step run by remote workers. Spring Batch's {@link MessageChannelPartitionHandler}
 * splits the step, sends one request per partition to the broker and polls the job repository until every partition
 * has ended. Meanwhile this watches the partitions' heartbeats in the job repository and fails the step with a message
 * that says why when
 * <ul>
 * <li>a worker stopped beating while it held a partition ({@code kill -9}, a host gone, cut off from the database), or
 * <li>partitions wait and no worker took one for {@code workerTimeout} (no worker runs, or none reaches the broker).
 * </ul>
 * Before it fails, it asks the partitions still running to stop at their next chunk boundary (the job execution is
 * STOPPING in the job repository, which every worker's chunk reads when it commits) and waits for them, so that a
 * rerun never finds a partition still running somewhere. The partitions that no worker finished are marked failed:
 * the rerun sends only those again.
 */
final class RemotePartitionHandler implements PartitionHandler {

    private static final Logger log = LoggerFactory.getLogger(RemotePartitionHandler.class);
    private static final long WATCH_MILLIS = 500;

    /** When a partition's worker is taken for dead, and how long to wait for partitions to take at all. */
    record Timeouts(Duration heartbeat, Duration worker, Duration progressInterval) {
    }

    /** The step failed because of its remote workers; the message says which and what to do. */
    static final class WorkersFailedException extends RuntimeException {
        WorkersFailedException(String message) {
            super(message);
        }
    }

    private final MessageChannelPartitionHandler delegate;
    private final String workerStep;
    private final JobRepository jobRepository;
    private final PartitionJournal partitions;
    private final ExecutorService waiting;
    private final Timeouts timeouts;
    private final String broker;
    private final LongConsumer written;
    private final Consumer<StepExecution> afterPartitions;

    RemotePartitionHandler(MessageChannelPartitionHandler delegate, String workerStep, JobRepository jobRepository,
            PartitionJournal partitions, ExecutorService waiting, Timeouts timeouts, String broker, LongConsumer written,
            Consumer<StepExecution> afterPartitions) {
        this.delegate = delegate;
        this.workerStep = workerStep;
        this.jobRepository = jobRepository;
        this.partitions = partitions;
        this.waiting = waiting;
        this.timeouts = timeouts;
        this.broker = broker;
        this.written = written;
        this.afterPartitions = afterPartitions;
    }

    @Override
    public Collection<StepExecution> handle(StepExecutionSplitter splitter, StepExecution managerStep) throws Exception {
        Future<Collection<StepExecution>> results = waiting.submit(() -> {
            // the partitioner is step-scoped: the split needs the manager step's scope on this thread too
            StepSynchronizationManager.register(managerStep);
            try {
                return delegate.handle(splitter, managerStep);
            } finally {
                StepSynchronizationManager.close();
            }
        });
        Watch watch = new Watch(managerStep.getJobExecution());
        while (true) {
            try {
                Collection<StepExecution> done = results.get(WATCH_MILLIS, TimeUnit.MILLISECONDS);
                watch.logProgress(watch.look(), true);
                afterPartitions.accept(managerStep);
                return done;
            } catch (TimeoutException stillRunning) {
                Optional<String> failure = watch.check();
                if (failure.isPresent()) {
                    results.cancel(true);
                    stopTheOthers(managerStep.getJobExecution(), failure.get());
                    throw new WorkersFailedException(failure.get());
                }
            } catch (ExecutionException e) {
                // Spring Integration wraps what the AMQP adapter threw; a step's own failures come back as results
                if (e.getCause() instanceof MessagingException || e.getCause() instanceof AmqpException) {
                    throw new WorkersFailedException("cannot send the partitions of " + workerStep + " to the broker " + broker
                            + ": " + PartitionQueue.rootCause(e.getCause()));
                }
                throw e.getCause() instanceof Exception cause ? cause : e;
            } catch (InterruptedException e) {
                results.cancel(true);
                throw e;
            }
        }
    }

    /** What the manager sees of one step's partitions, poll after poll. */
    private final class Watch {
        private final JobExecution jobExecution;
        private long lastActivity = System.nanoTime();
        private long lastProgressLog = System.nanoTime();
        private String lastState = "";
        private boolean stopWritten;

        Watch(JobExecution jobExecution) {
            this.jobExecution = jobExecution;
        }

        Optional<String> check() {
            if (jobExecution.isStopping() && !stopWritten) {
                // a SIGTERM to the manager: the workers stop at their next chunk boundary too
                writeStopping(jobExecution);
                stopWritten = true;
            }
            List<Partition> now = look();
            List<Partition> silent = now.stream().filter(p -> p.silentFor(timeouts.heartbeat())).toList();
            if (!silent.isEmpty()) {
                return Optional.of(silent.stream().map(p -> "worker " + p.worker() + " stopped beating "
                        + p.sinceHeartbeat().toSeconds() + " s ago while it ran partition " + p.stepName())
                        .collect(Collectors.joining("; ")) + " (killed, or cut off from the database; heartbeat timeout "
                        + timeouts.heartbeat().toSeconds() + " s)");
            }
            String state = now.stream().map(p -> p.stepExecutionId() + p.status() + p.worker() + p.ended())
                    .collect(Collectors.joining(","));
            if (!state.equals(lastState)) {
                lastState = state;
                lastActivity = System.nanoTime();
            }
            boolean waitingForWorker = now.stream().anyMatch(Partition::waiting);
            boolean running = now.stream().anyMatch(Partition::onWorker);
            if (waitingForWorker && !running && System.nanoTime() - lastActivity > timeouts.worker().toNanos()) {
                long waitingCount = now.stream().filter(Partition::waiting).count();
                return Optional.of("no worker took any of the " + waitingCount + " waiting partitions of " + workerStep
                        + " within the worker timeout (" + timeouts.worker().toSeconds() + " s): is a 'registry-gc worker'"
                        + " running against the broker " + broker + " and this database?");
            }
            logProgress(now, false);
            return Optional.empty();
        }

        /** The step's partitions as the job repository has them now; the step's progress advances by their writes. */
        List<Partition> look() {
            List<Partition> now = partitions.partitions(jobExecution.getId(), workerStep);
            written.accept(now.stream().mapToLong(Partition::written).sum());
            return now;
        }

        void logProgress(List<Partition> now, boolean finished) {
            if (!finished && (timeouts.progressInterval().isZero()
                    || System.nanoTime() - lastProgressLog < timeouts.progressInterval().toNanos())) {
                return;
            }
            lastProgressLog = System.nanoTime();
            long done = now.stream().filter(p -> !p.isRunning()).count();
            List<String> workers = now.stream().filter(Partition::onWorker)
                    .map(Partition::worker).distinct().sorted().toList();
            long waiting = now.stream().filter(Partition::waiting).count();
            long written = now.stream().mapToLong(Partition::written).sum();
            log.atInfo().setMessage(() -> workerStep + ": " + done + " of " + now.size() + " partitions ended, "
                            + (now.size() - done - waiting) + " running on " + (workers.isEmpty() ? "no worker" : workers)
                            + ", " + waiting + " waiting for a worker; " + written + " items written")
                    .addKeyValue("event", "remote_progress").addKeyValue("step", workerStep)
                    .addKeyValue("partitions", now.size()).addKeyValue("partitions_ended", done)
                    .addKeyValue("partitions_waiting", waiting).addKeyValue("workers", workers.size())
                    .addKeyValue("items_written", written).log();
        }
    }

    private void writeStopping(JobExecution jobExecution) {
        jobExecution.setStatus(BatchStatus.STOPPING);
        jobRepository.update(jobExecution);
    }

    /**
     * The step fails: every partition still running on a live worker is asked to stop at its next chunk boundary,
     * waited for (at most two heartbeat timeouts), and those no worker finished are marked failed with the reason.
     */
    private void stopTheOthers(JobExecution jobExecution, String failure) throws InterruptedException {
        log.error("{}: stopping the run's other partitions", failure);
        if (!jobExecution.isStopping()) {
            writeStopping(jobExecution);
        }
        long deadline = System.nanoTime() + timeouts.heartbeat().multipliedBy(2).toNanos();
        List<Partition> beating = partitions.stillBeating(jobExecution.getId(), timeouts.heartbeat());
        while (!beating.isEmpty() && System.nanoTime() < deadline) {
            TimeUnit.MILLISECONDS.sleep(WATCH_MILLIS);
            beating = partitions.stillBeating(jobExecution.getId(), timeouts.heartbeat());
        }
        beating.forEach(p -> log.warn("partition {} is still running on {}: a rerun waits until it has stopped",
                p.stepName(), p.worker()));
        ExitStatus failed = ExitStatus.FAILED.addExitDescription(failure);
        Set<Long> stillRunning = beating.stream().map(Partition::stepExecutionId).collect(Collectors.toSet());
        for (Partition partition : partitions.partitions(jobExecution.getId(), workerStep)) {
            if (partition.isRunning() && !stillRunning.contains(partition.stepExecutionId())) {
                StepExecution step = jobRepository.getStepExecution(partition.stepExecutionId());
                if (step != null && step.getStatus().isRunning()) {
                    step.setStatus(BatchStatus.FAILED);
                    step.setExitStatus(failed);
                    step.setEndTime(LocalDateTime.now());
                    jobRepository.update(step);
                }
            }
        }
    }
}
