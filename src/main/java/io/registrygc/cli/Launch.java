package io.registrygc.cli;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.registrygc.audit.HtmlReport;
import io.registrygc.audit.RunHistory;
import io.registrygc.audit.history.ExecutionSummary;
import io.registrygc.broker.BrokerAddress;
import io.registrygc.broker.PartitionQueue;
import io.registrygc.db.DatabaseSettings;
import io.registrygc.job.GcLauncher;
import io.registrygc.job.RemotePartitions;
import io.registrygc.monitor.MetricsExport;
import io.registrygc.monitor.RunMetrics;
import io.registrygc.run.GcSettings;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Model.CommandSpec;

/**
 * One launch of the job by {@code run} or {@code apply}: opens the database, launches under the storage root's lock,
 * writes the reports and metrics, and turns a SIGTERM into a graceful stop. Used once.
 */
final class Launch {

    /** Where the settings of the launch come from; may read the database (apply reads the plan it applies). */
    interface SettingsSource {
        GcSettings settings(DatabaseOptions.Session session) throws UsageException;
    }

    /** Invalid input found once the database is open: exit 2, nothing deleted. */
    static final class UsageException extends Exception {
        UsageException(String message) {
            super(message);
        }
    }

    private static final long STOP_GRACE_SECONDS = 120;

    private final CommandSpec spec;
    private final LaunchOptions options;
    private final CountDownLatch finished = new CountDownLatch(1);
    private Thread stopOnSignal;
    /** Set once the job may have started: from then on a SIGTERM waits for the run to end and record itself. */
    private volatile boolean launched;
    /** The exit code the run ended with, for the stop hook to exit with. */
    private volatile int exitCode = ExitCodes.FAILED;

    Launch(CommandSpec spec, LaunchOptions options) {
        this.spec = spec;
        this.options = options;
    }

    /** Checks the options that need no database; IllegalArgumentException naming the option. */
    static void check(LaunchOptions options) {
        if (options.threads < 1 || options.threads > LaunchOptions.MAX_THREADS) {
            throw new IllegalArgumentException("--threads must be between 1 and " + LaunchOptions.MAX_THREADS + ": "
                    + options.threads);
        }
        if (options.pushGateway != null) {
            MetricsExport.checkGatewayAddress(options.pushGateway);
        }
        if (options.broker != null) {
            BrokerAddress.parse(options.broker);
            requireSharedDatabase("--broker");
            if (options.heartbeatTimeout.compareTo(Duration.ofSeconds(2)) < 0 || options.workerTimeout.isNegative()
                    || options.workerTimeout.isZero()) {
                throw new IllegalArgumentException("--heartbeat-timeout must be at least 2s and --worker-timeout positive");
            }
        }
    }

    /** Workers and their manager meet in the database: an embedded one serves its own process only. */
    static void requireSharedDatabase(String option) {
        if (!DatabaseSettings.isExternal()) {
            throw new IllegalArgumentException(option + " needs a database server that the manager and the workers share:"
                    + " set SPRING_DATASOURCE_URL (and _USERNAME, _PASSWORD); the embedded PostgreSQL serves one process");
        }
    }

    int run(SettingsSource source) {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        DatabaseOptions.Session session = null;
        GcSettings settings = null;
        try {
            Map<String, Object> properties = new HashMap<>(Map.of(
                    "registry-gc.progress.interval-ms", options.progressInterval.toMillis(),
                    "registry-gc.threads", options.threads,
                    "registry-gc.registry-offline", options.registryOffline,
                    // a connection for each worker thread, the lock, the job repository and the planner
                    "spring.datasource.hikari.maximum-pool-size", options.threads + 4));
            if (options.broker != null) {
                properties.put("registry-gc.broker", options.broker);
                properties.put("registry-gc.worker-timeout", options.workerTimeout.toString());
                properties.put("registry-gc.heartbeat-timeout", options.heartbeatTimeout.toString());
            }
            session = options.database.open(properties);
            RemotePartitions remote = session.context().getBeanProvider(RemotePartitions.class).getIfAvailable();
            if (remote != null) {
                try {
                    remote.checkBroker();
                } catch (PartitionQueue.UnreachableException e) {
                    Console.error(err, e.getMessage() + "\nNothing was started; rerun once the broker is up.");
                    return ExitCodes.FAILED;
                }
            }
            try {
                settings = source.settings(session);
            } catch (UsageException e) {
                Console.error(err, e.getMessage());
                return ExitCodes.USAGE;
            }
            GcLauncher launcher = session.bean(GcLauncher.class);
            stopOnSignal = new Thread(() -> stopGracefully(launcher), "registry-gc-stop");
            Runtime.getRuntime().addShutdownHook(stopOnSignal);
            launched = true;
            GcLauncher.Outcome outcome = launcher.launch(settings, options.abandonUnfinished, RunOutputs.forActiveFormat(out));
            out.flush();
            if (outcome.message() != null) {
                Console.error(err, outcome.message());
            }
            // LOCKED and REFUSED name another run's execution: no report of this invocation then
            boolean ranHere = outcome.jobExecutionId() != null
                    && outcome.result() != GcLauncher.Result.LOCKED && outcome.result() != GcLauncher.Result.REFUSED;
            if (options.report != null && ranHere) {
                ShowCommand.writeReport(session.history(), outcome.jobExecutionId(), options.report, err);
            }
            if (options.reportHtml != null && ranHere) {
                writeHtmlReport(session.history(), outcome.jobExecutionId(), options.reportHtml, err);
            }
            exitCode = exitCode(outcome.result());
            exportMetrics(session, settings, ranHere ? outcome.jobExecutionId() : null, exitCode, err);
            return exitCode;
        } catch (Exception e) {
            exitCode = ExitCodes.FAILED;
            Console.error(err, "run failed: " + e.getMessage() + "\nRerun the same command to resume it from its last checkpoint.");
            if (session != null && settings != null) {
                try {
                    exportMetrics(session, settings, null, exitCode, err);
                } catch (RuntimeException metrics) {
                    Console.error(err, "could not export the metrics: " + metrics.getMessage());
                }
            }
            return exitCode;
        } finally {
            if (session != null) {
                session.close();
            }
            finished.countDown();
            removeStopHook();
        }
    }

    /** Writes the HTML report of an execution. Never throws: a failure is reported on {@code err} and returned as false. */
    static boolean writeHtmlReport(RunHistory history, long executionId, Path file, PrintWriter err) {
        try {
            String html = HtmlReport.render(history.show(executionId)
                    .orElseThrow(() -> new IllegalStateException("no job execution " + executionId)));
            Files.writeString(file, html, StandardCharsets.UTF_8);
            return true;
        } catch (Exception e) {
            Console.error(err, "could not write the HTML report to " + file + ": " + e);
            return false;
        }
    }

    private static int exitCode(GcLauncher.Result result) {
        return switch (result) {
            case COMPLETED -> ExitCodes.COMPLETED;
            case COMPLETED_WITH_PROBLEMS -> ExitCodes.COMPLETED_WITH_PROBLEMS;
            case FAILED -> ExitCodes.FAILED;
            case REFUSED -> ExitCodes.USAGE;
            case LOCKED -> ExitCodes.LOCKED;
        };
    }

    /** Metrics failures are reported, never a reason to change the run's exit code. */
    private void exportMetrics(DatabaseOptions.Session session, GcSettings settings, Long jobExecutionId,
            int exitCode, PrintWriter err) {
        if (options.metricsFile == null && options.pushGateway == null) {
            return;
        }
        try {
            RunHistory history = session.history();
            Optional<ExecutionSummary> execution = jobExecutionId == null ? Optional.empty()
                    : history.summary(jobExecutionId);
            session.bean(RunMetrics.class).runFinished(new RunMetrics.RunEnd(exitCode, settings.dryRun(),
                    execution.map(ExecutionSummary::runId).orElse(null), jobExecutionId,
                    execution.map(ExecutionSummary::status).orElse(null),
                    execution.map(ExecutionSummary::started).orElse(null), execution.map(ExecutionSummary::ended).orElse(null),
                    history.lastCompletedRealRun(settings.storageRoot().toString()).orElse(null)));
        } catch (RuntimeException e) {
            Console.error(err, "could not read the run's history for its metrics: " + e.getMessage());
        }
        PrometheusMeterRegistry registry = session.bean(PrometheusMeterRegistry.class);
        if (options.metricsFile != null) {
            try {
                MetricsExport.writeTextFile(registry, options.metricsFile);
            } catch (Exception e) {
                Console.error(err, "could not write the metrics to " + options.metricsFile + ": " + e);
            }
        }
        if (options.pushGateway != null) {
            try {
                MetricsExport.push(registry, options.pushGateway, settings.storageRoot().toString());
            } catch (Exception e) {
                Console.error(err, "could not push the metrics to " + options.pushGateway + ": " + e);
            }
        }
    }

    /**
     * SIGTERM (schedulers, Kubernetes): stop at the next chunk boundary, let the run record itself as
     * STOPPED and release the database, then end the JVM with exit code 1 (resume by rerunning).
     */
    private void stopGracefully(GcLauncher launcher) {
        if (!launched) {
            return; // nothing started yet: the JVM may end as it is
        }
        // also after the job has ended: its summary, report and metrics are still being written
        boolean stopped = launcher.stopGracefully();
        try {
            finished.await(STOP_GRACE_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (stopped) {
            Console.error(new PrintWriter(System.err, true), "stopped on request; rerun the same command to resume.");
        }
        Runtime.getRuntime().halt(finished.getCount() == 0 ? exitCode : ExitCodes.FAILED);
    }

    private void removeStopHook() {
        if (stopOnSignal != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(stopOnSignal);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running: it ends the JVM once this run has finished
            }
        }
    }
}
