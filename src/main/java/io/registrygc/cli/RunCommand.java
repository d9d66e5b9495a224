package io.registrygc.cli;

import io.registrygc.RegistryGcApplication;
import io.registrygc.db.DatabaseSettings;
import io.registrygc.job.GcLauncher;
import io.registrygc.policy.GcSettings;
import io.registrygc.policy.ImageSelector;
import io.registrygc.policy.MinAge;
import io.registrygc.storage.NotARegistryStorageException;
import io.registrygc.storage.RegistryStorage;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Garbage-collect a registry storage: scan, delete manifests, delete orphan blobs.",
                "Without a selection only orphan blobs (and unreferenced _layers links) go.",
                "The registry must be stopped or read-only while it runs, and restarted afterwards",
                "(its blob descriptor cache is stale after any offline deletion).",
                "Rerunning the same command after a failure resumes that run from its last checkpoint."},
        footer = {"", "Exit codes: 0 completed, 1 failed (rerun to resume), 2 usage or invalid input (nothing deleted),",
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

    @Option(names = "--min-age", paramLabel = "DURATION", defaultValue = "1h",
            description = "Never delete blob data, links or manifests modified more recently (default: ${DEFAULT-VALUE}; e.g. 0, 30m, 1h, 2d).")
    String minAge;

    @Option(names = "--abandon-unfinished",
            description = "Give up an unfinished run that has other options instead of refusing to start.")
    boolean abandonUnfinished;

    @Option(names = "--database-dir", paramLabel = "DIR", defaultValue = "${sys:registrygc.home:-${env:REGISTRY_GC_HOME:-${sys:user.home}/.registry-gc}}",
            description = "Folder of the embedded PostgreSQL, used when SPRING_DATASOURCE_URL is not set (default: ${DEFAULT-VALUE}).")
    Path databaseDir;

    @Option(names = "--report", paramLabel = "FILE",
            description = "After the run, write what 'show EXECUTION_ID --json' prints for its job execution to FILE.")
    Path report;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        GcSettings settings;
        try {
            Duration age = MinAge.parse(minAge);
            List<ImageSelector> selectors = images.stream().map(ImageSelector::parse).toList();
            RegistryStorage storage = RegistryStorage.open(storageRoot);
            settings = new GcSettings(storage.paths().root(), dryRun, deleteUntagged, age, Instant.EPOCH, selectors);
        } catch (IllegalArgumentException | NotARegistryStorageException e) {
            err.println("registry-gc: " + e.getMessage());
            return ExitCodes.USAGE;
        }
        try (DatabaseSettings database = DatabaseSettings.resolve(databaseDir)) {
            try (ConfigurableApplicationContext context = new SpringApplicationBuilder(RegistryGcApplication.class)
                    .properties(database.springProperties())
                    .registerShutdownHook(false)
                    .run()) {
                GcLauncher launcher = context.getBean(GcLauncher.class);
                stopOnSignal = new Thread(() -> stopGracefully(launcher), "registry-gc-stop");
                Runtime.getRuntime().addShutdownHook(stopOnSignal);
                GcLauncher.Outcome outcome = launcher.launch(settings, abandonUnfinished, out);
                if (outcome.message() != null) {
                    err.println("registry-gc: " + outcome.message());
                }
                // LOCKED and REFUSED name another run's execution: no report of this invocation then
                if (report != null && outcome.jobExecutionId() != null
                        && outcome.result() != GcLauncher.Result.LOCKED && outcome.result() != GcLauncher.Result.REFUSED) {
                    ShowCommand.writeReport(context.getBean(org.springframework.jdbc.core.JdbcTemplate.class),
                            outcome.jobExecutionId(), report, err);
                }
                out.flush();
                return switch (outcome.result()) {
                    case COMPLETED -> ExitCodes.COMPLETED;
                    case COMPLETED_WITH_PROBLEMS -> ExitCodes.COMPLETED_WITH_PROBLEMS;
                    case FAILED -> ExitCodes.FAILED;
                    case REFUSED -> ExitCodes.USAGE;
                    case LOCKED -> ExitCodes.LOCKED;
                };
            }
        } catch (Exception e) {
            err.println("registry-gc: run failed: " + e.getMessage());
            err.println("Rerun the same command to resume it from its last checkpoint.");
            return ExitCodes.FAILED;
        } finally {
            finished.countDown();
            removeStopHook();
        }
    }

    private Thread stopOnSignal;
    private final java.util.concurrent.CountDownLatch finished = new java.util.concurrent.CountDownLatch(1);

    /**
     * SIGTERM (schedulers, Kubernetes): stop at the next chunk boundary, let the run record itself as
     * STOPPED and release the database, then end the JVM with exit code 1 (resume by rerunning).
     */
    private void stopGracefully(GcLauncher launcher) {
        if (launcher.stopGracefully()) {
            try {
                finished.await(STOP_GRACE_SECONDS, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            System.err.println("registry-gc: stopped on request; rerun the same command to resume.");
            System.err.flush();
            Runtime.getRuntime().halt(ExitCodes.FAILED);
        }
    }

    private static final long STOP_GRACE_SECONDS = 120;

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
