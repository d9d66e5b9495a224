package io.registrygc.broker;

import java.util.List;
import org.springframework.amqp.AmqpException;
import org.springframework.amqp.core.Queue;
import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;
import org.springframework.amqp.rabbit.core.RabbitAdmin;
import org.springframework.amqp.support.converter.SimpleMessageConverter;

/**
 * The one durable queue that partitions of remote runs travel on, from the managers to every worker. A message names
 * a partition's step execution only; what to do, and whether it is still wanted, the worker reads from the job
 * repository. The connections are made here, so the rest of the program knows no AMQP detail.
 */
public final class PartitionQueue {

    public static final String NAME = "registry-gc.partitions";

    private PartitionQueue() {
    }

    /** Thrown when the broker cannot be reached: names it (without the password). */
    public static final class UnreachableException extends Exception {
        UnreachableException(BrokerAddress broker, Exception cause) {
            super("the broker " + broker.describe() + " cannot be reached: " + rootCause(cause), cause);
        }
    }

    /** Connections to the broker; lazily opened, and opened again after the broker went away. */
    public static CachingConnectionFactory connections(BrokerAddress broker) {
        CachingConnectionFactory connections = new CachingConnectionFactory(broker.uri());
        connections.setConnectionNameStrategy(factory -> "registry-gc " + ProcessHandle.current().pid());
        return connections;
    }

    /** Connects now and declares the queue: a broker that is down fails here, before any partition is sent. */
    public static void declare(CachingConnectionFactory connections, BrokerAddress broker) throws UnreachableException {
        try {
            new RabbitAdmin(connections).declareQueue(new Queue(NAME, true));
        } catch (AmqpException e) {
            throw new UnreachableException(broker, e);
        }
    }

    /**
     * What a worker accepts from the queue: only Spring Batch's partition requests (Java serialization is refused for
     * every other class, so a message on the queue cannot make a worker build arbitrary objects).
     */
    public static SimpleMessageConverter requestConverter() {
        SimpleMessageConverter converter = new SimpleMessageConverter();
        converter.setAllowedListPatterns(List.of("org.springframework.batch.integration.partition.StepExecutionRequest",
                "java.lang.*"));
        return converter;
    }

    /** What failed at the bottom of an AMQP or Spring Integration exception (they wrap it, message and all). */
    public static String rootCause(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.toString();
    }
}
