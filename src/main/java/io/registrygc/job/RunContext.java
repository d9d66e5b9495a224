package io.registrygc.job;

import io.registrygc.run.GcJobParameters;
import io.registrygc.run.GcSettings;
import io.registrygc.storage.NotARegistryStorageException;
import io.registrygc.storage.StorageDeleter;
import io.registrygc.storage.StorageDriver;
import io.registrygc.storage.StorageOpener;
import io.registrygc.storage.StorageReader;
import org.springframework.batch.core.step.StepExecution;

/**
 * What a step needs to know about its run: built once per step from the job parameters (see GcJobConfiguration).
 * {@code registryOffline}: this execution was started with the registry stopped or read-only ({@link LiveRecheck}).
 */
public record RunContext(long runId, long jobExecutionId, GcSettings settings, StorageReader reader, StorageDeleter deleter,
        boolean registryOffline) {

    static RunContext of(StepExecution stepExecution, StorageOpener storages) {
        var jobExecution = stepExecution.getJobExecution();
        GcSettings settings = GcJobParameters.settings(jobExecution.getJobParameters());
        try {
            StorageDriver storage = storages.openRegistry(settings.storageRoot());
            return new RunContext(jobExecution.getJobInstance().getInstanceId(), jobExecution.getId(), settings,
                    new StorageReader(storage), new StorageDeleter(storage), LiveRecheck.registryOffline(jobExecution));
        } catch (NotARegistryStorageException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }
}
