package io.registrygc.cli;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.registrygc.broker.BrokerAddress;
import io.registrygc.broker.PartitionQueue;
import io.registrygc.job.PartitionHeartbeat;
import io.registrygc.monitor.MetricsExport;
import io.registrygc.storage.RegistryConfig;
import io.registrygc.storage.RegistryPaths;
import io.registrygc.storage.StorageDriver;
import io.registrygc.storage.StorageOpener;
import io.registrygc.storage.NotARegistryStorageException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;
import org.springframework.amqp.rabbit.listener.SimpleMessageListenerContainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "worker", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Execute partitions of runs started with 'run --broker', on this host, until stopped.",
                "Takes partitions of any run from the broker's queue (registry-gc.partitions), one per thread, and executes",
                "them against the run's database (SPRING_DATASOURCE_URL, shared with the manager) and storage.",
                "SIGTERM: the partitions running here stop at their next chunk boundary (the run's manager then fails,",
                "and rerunning it resumes them from their checkpoints) and the worker exits 0."},
        footer = {"", "Exit codes: 0 stopped on request, 1 the broker or the database cannot be reached, 2 usage error."})
public class WorkerCommand implements Callable<Integer> {

    private static final Logger log = LoggerFactory.getLogger("io.registrygc.worker");
    private static final long STOP_GRACE_SECONDS = 150;

    @Spec
    CommandSpec spec;

    @Option(names = "--broker", paramLabel = "amqp://USER:PASS@HOST[:PORT][/VHOST]", defaultValue = "${env:REGISTRY_GC_BROKER}",
            description = "The RabbitMQ broker the managers send partitions to (env REGISTRY_GC_BROKER).")
    String broker;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "4",
            description = "Partitions executed at once (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--registry-config", paramLabel = "FILE",
            description = "The registry's config.yml, for a storage the runs name by location but this host reaches"
                    + " with its own settings (an S3 endpoint, keys). Otherwise a location is opened as it is named:"
                    + " a folder, or s3://BUCKET[/ROOT] with the standard AWS environment.")
    Path registryConfig;

    @Option(names = "--metrics-file", paramLabel = "FILE",
            description = "Write this worker's metrics (what its partitions deleted, by kind and outcome) in the Prometheus"
                    + " text format to FILE, atomically, every --metrics-interval and when it stops.")
    Path metricsFile;

    @Option(names = "--metrics-interval", paramLabel = "DURATION", defaultValue = "30s", converter = DurationConverter.class,
            description = "How often --metrics-file is written (default: ${DEFAULT-VALUE}).")
    Duration metricsInterval;

    @Mixin
    DatabaseOptions database;

    private final CountDownLatch stopRequested = new CountDownLatch(1);
    private final CountDownLatch stopped = new CountDownLatch(1);

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        BrokerAddress address;
        StorageDriver storage = null;
        try {
            if (broker == null || broker.isBlank()) {
                throw new IllegalArgumentException("give --broker (or REGISTRY_GC_BROKER): the broker runs are sent to");
            }
            address = BrokerAddress.parse(broker);
            if (threads < 1 || threads > LaunchOptions.MAX_THREADS) {
                throw new IllegalArgumentException("--threads must be between 1 and " + LaunchOptions.MAX_THREADS);
            }
            Launch.requireSharedDatabase("a worker");
            if (registryConfig != null) {
                storage = RegistryConfig.read(registryConfig, System.getenv()).open();
                RegistryPaths.check(storage);
            }
        } catch (IllegalArgumentException | RegistryConfig.InvalidException | NotARegistryStorageException e) {
            if (storage != null) {
                storage.close();
            }
            Console.error(err, e.getMessage());
            return ExitCodes.USAGE;
        }
        DatabaseOptions.Session session = null;
        Thread stopOnSignal = new Thread(this::stopOnSignal, "registry-gc-worker-stop");
        try {
            session = database.open(Map.of("registry-gc.broker", broker, "registry-gc.worker", true,
                    "registry-gc.threads", threads,
                    // a connection for each partition, its heartbeat and its checks
                    "spring.datasource.hikari.maximum-pool-size", threads + 4));
            if (storage != null) {
                session.bean(StorageOpener.class).register(storage);
            }
            try {
                PartitionQueue.declare(session.bean(CachingConnectionFactory.class), address);
            } catch (PartitionQueue.UnreachableException e) {
                Console.error(err, e.getMessage());
                return ExitCodes.FAILED;
            }
            PartitionHeartbeat heartbeat = session.bean(PartitionHeartbeat.class);
            SimpleMessageListenerContainer listener = session.bean(SimpleMessageListenerContainer.class);
            Runtime.getRuntime().addShutdownHook(stopOnSignal);
            log.atInfo().setMessage(() -> "worker " + heartbeat.worker() + " takes partitions from " + address.describe()
                            + " (queue " + PartitionQueue.NAME + ", " + threads + " at once)")
                    .addKeyValue("event", "worker_start").addKeyValue("worker", heartbeat.worker())
                    .addKeyValue("broker", address.describe()).log();
            long interval = Math.max(1000, metricsInterval.toMillis());
            while (!stopRequested.await(interval, TimeUnit.MILLISECONDS)) {
                writeMetrics(session, err);
            }
            // the shutdown hook asked: stop taking partitions, stop the running ones at their next chunk boundary
            heartbeat.drain();
            listener.stop();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(STOP_GRACE_SECONDS);
            while (heartbeat.busy() && System.nanoTime() < deadline) {
                TimeUnit.MILLISECONDS.sleep(200);
            }
            writeMetrics(session, err);
            log.info("worker {} stopped on request; its unfinished partitions resume when their runs are rerun",
                    heartbeat.worker());
            return ExitCodes.COMPLETED;
        } catch (Exception e) {
            Console.error(err, "worker failed: " + e.getMessage());
            return ExitCodes.FAILED;
        } finally {
            if (session != null) {
                session.close();
            }
            stopped.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(stopOnSignal);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running: it ends the JVM once the worker has stopped
            }
        }
    }

    /** SIGTERM/SIGINT: the main thread drains the worker; the JVM ends when it has (exit 0). */
    private void stopOnSignal() {
        stopRequested.countDown();
        try {
            stopped.await(STOP_GRACE_SECONDS + 30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Runtime.getRuntime().halt(stopped.getCount() == 0 ? ExitCodes.COMPLETED : ExitCodes.FAILED);
    }

    private void writeMetrics(DatabaseOptions.Session session, PrintWriter err) {
        if (metricsFile == null) {
            return;
        }
        try {
            MetricsExport.writeTextFile(session.bean(PrometheusMeterRegistry.class), metricsFile);
        } catch (Exception e) {
            Console.error(err, "could not write the metrics to " + metricsFile + ": " + e);
        }
    }
}
