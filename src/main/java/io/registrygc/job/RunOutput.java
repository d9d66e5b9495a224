package io.registrygc.job;

import io.registrygc.audit.RunReport;

/**
 * Where a run's plan (in a dry run) and its summary go: text on stdout, or log events when the logs are JSON
 * lines (Kubernetes and most collectors merge stdout and stderr into one stream that must stay parseable).
 */
public interface RunOutput {

    void wouldDelete(String what, String reason);

    void summary(RunReport report);
}
