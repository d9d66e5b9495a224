package io.registrygc.cli;

import io.registrygc.audit.history.ExecutionSummary;
import io.registrygc.run.GcSettings;
import io.registrygc.storage.NotARegistryStorageException;
import io.registrygc.storage.RegistryConfig;
import io.registrygc.storage.RegistryPaths;
import io.registrygc.storage.StorageDriver;
import io.registrygc.storage.StorageOpener;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.springframework.jdbc.core.JdbcTemplate;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "apply", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Carry out the plan a dry run recorded, and nothing beyond it.",
                "It scans the storage again with the dry run's options and re-validates every planned item: a tag that",
                "moved, a manifest that is kept now, a blob or link that gained a reference since is skipped and",
                "recorded as DRIFTED with what changed; everything else in the plan is deleted. Same locking, resume",
                "(rerun the same command), audit and reports as 'run'."},
        footer = {"", "Exit codes: 0 completed, 1 failed or stopped (rerun to resume), 2 usage: unknown execution, not a",
                "completed dry run, or its storage is gone (nothing deleted), 3 another run in progress, 4 completed but",
                "the blob sweep was skipped.",
                "Database: SPRING_DATASOURCE_URL/_USERNAME/_PASSWORD, else embedded PostgreSQL in --database-dir."})
public class ApplyCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "EXECUTION_ID",
            description = "The job execution of the dry run whose plan to carry out, as 'history' lists it.")
    long executionId;

    @Option(names = "--registry-config", paramLabel = "FILE",
            description = "The registry's config.yml, to reach a storage on S3 with its endpoint and keys (else the"
                    + " standard AWS environment); it must name the dry run's storage.")
    java.nio.file.Path registryConfig;

    @Mixin
    LaunchOptions launch;

    @Override
    public Integer call() {
        try {
            Launch.check(launch);
        } catch (IllegalArgumentException e) {
            Console.error(spec.commandLine().getErr(), e.getMessage());
            return ExitCodes.USAGE;
        }
        return new Launch(spec, launch).run(this::settings);
    }

    private GcSettings settings(DatabaseOptions.Session session) throws Launch.UsageException {
        Optional<ExecutionSummary> found = session.history().summary(executionId);
        if (found.isEmpty()) {
            throw new Launch.UsageException("no job execution " + executionId + " of registry-gc; 'registry-gc history' lists them.");
        }
        ExecutionSummary dryRun = found.get();
        if (dryRun.settings() == null || !dryRun.dryRun()) {
            throw new Launch.UsageException("job execution " + executionId + " is not a dry run: only a dry run's plan can be applied.");
        }
        Boolean planned = session.bean(JdbcTemplate.class).queryForObject(
                "SELECT planned_at IS NOT NULL FROM gc_run WHERE run_id = ?", Boolean.class, dryRun.runId());
        if (!"COMPLETED".equals(dryRun.status()) || !Boolean.TRUE.equals(planned)) {
            throw new Launch.UsageException("dry run " + executionId + " did not complete (" + dryRun.status()
                    + "): it has no plan to apply. Rerun the dry run to finish it first.");
        }
        try {
            StorageOpener storages = session.bean(StorageOpener.class);
            if (registryConfig != null) {
                StorageDriver configured = RegistryConfig.read(registryConfig, System.getenv()).open();
                if (!configured.location().equals(dryRun.settings().storageRoot())) {
                    configured.close();
                    throw new Launch.UsageException("--registry-config " + registryConfig + " names the storage "
                            + configured.location() + ", the dry run's is " + dryRun.settings().storageRoot());
                }
                RegistryPaths.check(configured);
                storages.register(configured);
            }
            storages.openRegistry(dryRun.settings().storageRoot());
        } catch (NotARegistryStorageException | IllegalArgumentException | RegistryConfig.InvalidException e) {
            throw new Launch.UsageException(e.getMessage());
        }
        return dryRun.settings().applying(dryRun.runId(), Instant.now());
    }
}
