package io.registrygc.job;

import java.util.function.LongConsumer;
import org.slf4j.MDC;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.listener.JobExecutionListener;
import org.springframework.stereotype.Component;

/**
 * The job execution this process is running, so a SIGTERM can stop it at the next chunk boundary; its ids
 * are in the logging context while it runs.
 */
@Component
public class RunningExecution implements JobExecutionListener {

    private volatile JobExecution current;
    private volatile LongConsumer onStart = id -> { };

    void onStart(LongConsumer callback) {
        this.onStart = callback;
    }

    public JobExecution current() {
        return current;
    }

    @Override
    public void beforeJob(JobExecution jobExecution) {
        current = jobExecution;
        // every log line of the run says which run and execution it belongs to (JSON logs: fields)
        MDC.put("run_id", String.valueOf(jobExecution.getJobInstance().getInstanceId()));
        MDC.put("job_execution_id", String.valueOf(jobExecution.getId()));
        onStart.accept(jobExecution.getId());
    }

    @Override
    public void afterJob(JobExecution jobExecution) {
        current = null;
        MDC.remove("run_id");
        MDC.remove("job_execution_id");
    }
}
