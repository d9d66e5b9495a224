package io.registrygc.cli;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.registrygc.audit.RunHistory;
import io.registrygc.audit.history.ExecutionSummary;
import io.registrygc.job.GcLauncher;
import io.registrygc.monitor.MetricsExport;
import io.registrygc.monitor.RunMetrics;
import io.registrygc.policy.ImageSelector;
import io.registrygc.run.GcSettings;
import io.registrygc.storage.NotARegistryStorageException;
import io.registrygc.storage.RegistryPaths;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Garbage-collect a registry storage: scan, delete manifests, delete orphan blobs.",
                "Without a selection only orphan blobs (and unreferenced _layers links) go.",
                "The registry must be stopped or read-only while it runs, and restarted afterwards",
                "(its blob descriptor cache is stale after any offline deletion).",
                "Rerunning the same command after a failure resumes that run from its last checkpoint."},
        footer = {"", "Exit codes: 0 completed, 1 failed or stopped (rerun to resume), 2 usage or invalid input (nothing deleted),",
                "3 another run in progress, 4 completed but the blob sweep was skipped (unreadable data, see report).",
                "Database: SPRING_DATASOURCE_URL/_USERNAME/_PASSWORD, else embedded PostgreSQL in --database-dir."})
public class RunCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--storage-root", required = true, paramLabel = "DIR",
            description = "The registry's storage root directory (storage.filesystem.rootdirectory; it holds docker/registry/v2).")
    Path storageRoot;

    @Option(names = "--delete-untagged",
            description = "Also delete manifests no tag reaches (children of tagged indexes and referrers of kept images stay).")
    boolean deleteUntagged;

    @Option(names = "--image", paramLabel = "REPO[:TAG]",
            description = "Delete a whole repository (REPO) or one tag and its manifest unless another tag keeps it (REPO:TAG). Repeatable.")
    List<String> images = new ArrayList<>();

    @Option(names = "--dry-run", description = "Compute, print and record the exact plan; change nothing on disk.")
    boolean dryRun;

    @Option(names = "--min-age", paramLabel = "DURATION", defaultValue = "1h", converter = DurationConverter.class,
            description = "Never delete blob data, links or manifests modified more recently (default: ${DEFAULT-VALUE}; e.g. 0, 30m, 1h, 2d).")
    Duration minAge;

    @Option(names = "--abandon-unfinished",
            description = "Give up an unfinished run that has other options instead of refusing to start.")
    boolean abandonUnfinished;

    @Mixin
    DatabaseOptions database;

    @Option(names = "--report", paramLabel = "FILE",
            description = "After the run, write what 'show EXECUTION_ID --json' prints for its job execution to FILE.")
    Path report;

    @Option(names = "--progress-interval", paramLabel = "DURATION", defaultValue = "30s", converter = DurationConverter.class,
            description = "Log each step's progress (done, rate, time left) this often; 0 turns it off (default: ${DEFAULT-VALUE}).")
    Duration progressInterval;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "8",
            description = "Partitions of the scan and of the blob sweep run on N threads (default: ${DEFAULT-VALUE}); sized for"
                    + " I/O, not for cores: many outstanding reads help a cold scan even on two cores. May change on a resume.")
    int threads;

    @Option(names = "--metrics-file", paramLabel = "FILE",
            description = "After the run, write its metrics in the Prometheus text format to FILE, atomically"
                    + " (for node exporter's textfile collector: a *.prom file in its directory).")
    Path metricsFile;

    @Option(names = "--metrics-push-gateway", paramLabel = "URL",
            description = "After the run, push its metrics to this Prometheus push gateway (http[s]://[user:pass@]host:port),"
                    + " grouped by job=registry-gc and storage_root.")
    URI pushGateway;

    private final CountDownLatch finished = new CountDownLatch(1);
    private Thread stopOnSignal;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        GcSettings settings;
        try {
            if (threads < 1 || threads > MAX_THREADS) {
                throw new IllegalArgumentException("--threads must be between 1 and " + MAX_THREADS + ": " + threads);
            }
            List<ImageSelector> selectors = images.stream().map(ImageSelector::parse).toList();
            if (pushGateway != null) {
                MetricsExport.checkGatewayAddress(pushGateway);
            }
            settings = new GcSettings(RegistryPaths.open(storageRoot).root(), dryRun, deleteUntagged, minAge, selectors,
                    Instant.now());
        } catch (IllegalArgumentException | NotARegistryStorageException e) {
            Console.error(err, e.getMessage());
            return ExitCodes.USAGE;
        }
        DatabaseOptions.Session session = null;
        try {
            session = database.open(Map.of("registry-gc.progress.interval-ms", progressInterval.toMillis(),
                    "registry-gc.threads", threads,
                    // a connection for each worker thread, the lock, the job repository and the planner
                    "spring.datasource.hikari.maximum-pool-size", threads + 4));
            GcLauncher launcher = session.bean(GcLauncher.class);
            stopOnSignal = new Thread(() -> stopGracefully(launcher), "registry-gc-stop");
            Runtime.getRuntime().addShutdownHook(stopOnSignal);
            launched = true;
            GcLauncher.Outcome outcome = launcher.launch(settings, abandonUnfinished, RunOutputs.forActiveFormat(out));
            out.flush();
            if (outcome.message() != null) {
                Console.error(err, outcome.message());
            }
            // LOCKED and REFUSED name another run's execution: no report of this invocation then
            boolean ranHere = outcome.jobExecutionId() != null
                    && outcome.result() != GcLauncher.Result.LOCKED && outcome.result() != GcLauncher.Result.REFUSED;
            if (report != null && ranHere) {
                ShowCommand.writeReport(session.history(), outcome.jobExecutionId(), report, err);
            }
            exitCode = exitCode(outcome.result());
            exportMetrics(session, settings, ranHere ? outcome.jobExecutionId() : null, exitCode, err);
            return exitCode;
        } catch (Exception e) {
            exitCode = ExitCodes.FAILED;
            Console.error(err, "run failed: " + e.getMessage() + "\nRerun the same command to resume it from its last checkpoint.");
            if (session != null) {
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

    /** Set once the job may have started: from then on a SIGTERM waits for the run to end and record itself. */
    private volatile boolean launched;
    /** The exit code the run ended with, for the stop hook to exit with. */
    private volatile int exitCode = ExitCodes.FAILED;

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
        if (metricsFile == null && pushGateway == null) {
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
        if (metricsFile != null) {
            try {
                MetricsExport.writeTextFile(registry, metricsFile);
            } catch (Exception e) {
                Console.error(err, "could not write the metrics to " + metricsFile + ": " + e);
            }
        }
        if (pushGateway != null) {
            try {
                MetricsExport.push(registry, pushGateway, settings.storageRoot().toString());
            } catch (Exception e) {
                Console.error(err, "could not push the metrics to " + pushGateway + ": " + e);
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

    private static final long STOP_GRACE_SECONDS = 120;
    private static final int MAX_THREADS = 256;

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
