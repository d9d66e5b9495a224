package io.registrygc.job;

import io.registrygc.broker.BrokerAddress;
import io.registrygc.broker.PartitionQueue;
import java.time.Duration;
import javax.sql.DataSource;
import org.springframework.amqp.core.AcknowledgeMode;
import org.springframework.amqp.core.Queue;
import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;
import org.springframework.amqp.rabbit.core.RabbitAdmin;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.amqp.rabbit.listener.SimpleMessageListenerContainer;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.integration.partition.BeanFactoryStepLocator;
import org.springframework.batch.integration.partition.StepExecutionRequestHandler;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.integration.amqp.dsl.Amqp;
import org.springframework.integration.channel.DirectChannel;
import org.springframework.integration.config.EnableIntegration;
import org.springframework.integration.dsl.IntegrationFlow;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Remote partitioning over RabbitMQ, when a broker is given ({@code registry-gc.broker}): Spring Batch's own
 * {@code MessageChannelPartitionHandler} (manager) and {@code StepExecutionRequestHandler} (worker), joined by Spring
 * Integration's AMQP adapters on one durable queue. A manager ({@code run --broker}) sends; a worker
 * ({@code registry-gc worker}, {@code registry-gc.worker=true}) takes partitions, one per consumer thread.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty("registry-gc.broker")
@EnableIntegration
class RemotePartitioningConfiguration {

    static final String WORKER = "registry-gc.worker";

    @Bean
    BrokerAddress brokerAddress(@Value("${registry-gc.broker}") String url) {
        return BrokerAddress.parse(url);
    }

    @Bean(destroyMethod = "destroy")
    CachingConnectionFactory brokerConnections(BrokerAddress broker) {
        return PartitionQueue.connections(broker);
    }

    /** Declared on every connection (a broker restarted without its definitions gets it back). */
    @Bean
    Queue partitionQueue() {
        return new Queue(PartitionQueue.NAME, true);
    }

    @Bean
    RabbitAdmin brokerAdmin(CachingConnectionFactory brokerConnections) {
        return new RabbitAdmin(brokerConnections);
    }

    // ------------------------------------------------------------------------------------------------ manager

    @Bean
    @ConditionalOnProperty(name = WORKER, havingValue = "false", matchIfMissing = true)
    DirectChannel partitionRequests() {
        return new DirectChannel();
    }

    @Bean
    @ConditionalOnProperty(name = WORKER, havingValue = "false", matchIfMissing = true)
    IntegrationFlow partitionRequestsToBroker(DirectChannel partitionRequests, CachingConnectionFactory brokerConnections) {
        return IntegrationFlow.from(partitionRequests)
                .handle(Amqp.outboundAdapter(new RabbitTemplate(brokerConnections)).routingKey(PartitionQueue.NAME))
                .get();
    }

    @Bean(destroyMethod = "close")
    @ConditionalOnProperty(name = WORKER, havingValue = "false", matchIfMissing = true)
    RemotePartitions remotePartitions(DirectChannel partitionRequests, JobRepository jobRepository, JdbcTemplate jdbc,
            BrokerAddress broker, CachingConnectionFactory brokerConnections,
            @Value("${registry-gc.heartbeat-timeout:30s}") Duration heartbeatTimeout,
            @Value("${registry-gc.worker-timeout:5m}") Duration workerTimeout,
            @Value("${registry-gc.progress.interval-ms:30000}") long progressIntervalMs) {
        return new RemotePartitions(partitionRequests, jobRepository, jdbc, new RemotePartitionHandler.Timeouts(
                heartbeatTimeout, workerTimeout, Duration.ofMillis(progressIntervalMs)), broker, brokerConnections);
    }

    // ------------------------------------------------------------------------------------------------ worker

    /** One consumer per worker thread, one partition each, acknowledged when it has ended. */
    @Bean
    @ConditionalOnProperty(name = WORKER, havingValue = "true")
    SimpleMessageListenerContainer partitionListener(CachingConnectionFactory brokerConnections,
            @Value("${registry-gc.threads:4}") int threads) {
        SimpleMessageListenerContainer container = new SimpleMessageListenerContainer(brokerConnections);
        container.setQueueNames(PartitionQueue.NAME);
        container.setConcurrentConsumers(threads);
        container.setPrefetchCount(1);
        container.setAcknowledgeMode(AcknowledgeMode.AUTO);
        container.setDefaultRequeueRejected(true);
        // a SIGTERM stops the partitions at their next chunk boundary first: the consumers then end by themselves
        container.setShutdownTimeout(Duration.ofMinutes(2).toMillis());
        container.setMissingQueuesFatal(false);
        return container;
    }

    @Bean
    @ConditionalOnProperty(name = WORKER, havingValue = "true")
    PartitionRequests partitionRequestHandler(JobRepository jobRepository, DataSource dataSource,
            PartitionHeartbeat partitionHeartbeat, BeanFactory beanFactory) {
        BeanFactoryStepLocator steps = new BeanFactoryStepLocator();
        steps.setBeanFactory(beanFactory);
        StepExecutionRequestHandler executor = new StepExecutionRequestHandler();
        executor.setJobRepository(jobRepository);
        executor.setStepLocator(steps);
        return new PartitionRequests(executor, jobRepository, dataSource, partitionHeartbeat);
    }

    @Bean
    @ConditionalOnProperty(name = WORKER, havingValue = "true")
    IntegrationFlow partitionsFromBroker(SimpleMessageListenerContainer partitionListener,
            PartitionRequests partitionRequestHandler) {
        return IntegrationFlow.from(Amqp.inboundAdapter(partitionListener).messageConverter(PartitionQueue.requestConverter()))
                .handle(partitionRequestHandler, "handle")
                .get();
    }
}
