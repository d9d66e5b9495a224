package io.registrygc.job;

import io.registrygc.audit.PartitionJournal;
import io.registrygc.broker.BrokerAddress;
import io.registrygc.broker.PartitionQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;
import org.springframework.batch.core.partition.PartitionHandler;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.integration.partition.MessageChannelPartitionHandler;
import org.springframework.integration.core.MessagingTemplate;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.messaging.MessageChannel;

/**
 * A manager's remote partitions ({@code run --broker}): each partitioned step sends its partitions to the queue through
 * {@code requests} and waits on the job repository ({@link RemotePartitionHandler}).
 */
public final class RemotePartitions implements AutoCloseable {

    private static final long REPOSITORY_POLL_MILLIS = 1000;

    private final MessageChannel requests;
    private final JobRepository jobRepository;
    private final PartitionJournal partitions;
    private final RemotePartitionHandler.Timeouts timeouts;
    private final BrokerAddress broker;
    private final CachingConnectionFactory connections;
    private final ExecutorService waiting = Executors.newCachedThreadPool(r -> {
        Thread thread = new Thread(r, "registry-gc-remote-partitions");
        thread.setDaemon(true);
        return thread;
    });

    RemotePartitions(MessageChannel requests, JobRepository jobRepository, JdbcTemplate jdbc,
            RemotePartitionHandler.Timeouts timeouts, BrokerAddress broker, CachingConnectionFactory connections) {
        this.requests = requests;
        this.jobRepository = jobRepository;
        this.partitions = new PartitionJournal(jdbc);
        this.timeouts = timeouts;
        this.broker = broker;
        this.connections = connections;
    }

    /** Connects to the broker and declares the queue: a run whose broker is down fails before it starts. */
    public void checkBroker() throws PartitionQueue.UnreachableException {
        PartitionQueue.declare(connections, broker);
    }

    PartitionHandler handler(Step partitionStep, int gridSize, LongConsumer written,
            Consumer<StepExecution> afterPartitions) {
        MessageChannelPartitionHandler sender = new MessageChannelPartitionHandler();
        sender.setStepName(partitionStep.getName());
        sender.setGridSize(gridSize);
        MessagingTemplate template = new MessagingTemplate();
        template.setDefaultDestination(requests);
        sender.setMessagingOperations(template);
        sender.setJobRepository(jobRepository);
        sender.setPollInterval(REPOSITORY_POLL_MILLIS);
        try {
            sender.afterPropertiesSet();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return new RemotePartitionHandler(sender, partitionStep.getName(), jobRepository, partitions, waiting, timeouts,
                broker.describe(), written, afterPartitions);
    }

    @Override
    public void close() {
        waiting.shutdownNow();
    }
}
