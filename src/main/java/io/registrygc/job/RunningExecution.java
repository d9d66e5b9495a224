package io.registrygc.job;

import java.util.function.LongConsumer;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.listener.JobExecutionListener;
import org.springframework.stereotype.Component;

/** The job execution this process is running, so a SIGTERM can stop it at the next chunk boundary. */
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
        onStart.accept(jobExecution.getId());
    }

    @Override
    public void afterJob(JobExecution jobExecution) {
        current = null;
    }
}
