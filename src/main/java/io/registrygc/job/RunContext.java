package io.registrygc.job;

import io.registrygc.policy.GcSettings;
import io.registrygc.storage.NotARegistryStorageException;
import io.registrygc.storage.RegistryStorage;
import org.springframework.batch.core.step.StepExecution;

/** What a step needs to know about the run it belongs to, read from its job execution. */
public record RunContext(long runId, long jobExecutionId, GcSettings settings, RegistryStorage storage) {

    public static RunContext of(StepExecution stepExecution) {
        var jobExecution = stepExecution.getJobExecution();
        GcSettings settings = GcJobParameters.toSettings(jobExecution.getJobParameters());
        try {
            return new RunContext(jobExecution.getJobInstance().getInstanceId(), jobExecution.getId(), settings,
                    RegistryStorage.open(settings.storageRoot()));
        } catch (NotARegistryStorageException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }
}
