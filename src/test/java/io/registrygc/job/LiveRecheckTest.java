package io.registrygc.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.registrygc.testsupport.MigratedDatabase;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobInstance;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.repository.support.JdbcJobRepositoryFactoryBean;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;

/**
 * What a remote worker learns of {@code --registry-offline}: it loads its partition's step execution from the
 * database, so the manager's choice must be stored there before any step runs, a resume's own choice included.
 */
class LiveRecheckTest {

    private static JobRepository jobRepository;

    @BeforeAll
    static void jobRepository() throws Exception {
        DataSource dataSource = MigratedDatabase.jdbc().getDataSource();
        JdbcJobRepositoryFactoryBean factory = new JdbcJobRepositoryFactoryBean();
        factory.setDataSource(dataSource);
        factory.setTransactionManager(new DataSourceTransactionManager(dataSource));
        factory.afterPropertiesSet();
        jobRepository = factory.getObject();
    }

    @Test
    void aWorkerFollowsTheManagerOfEachExecutionAndNotTheExecutionItResumes() {
        JobParameters parameters = new JobParametersBuilder().addString("run", UUID.randomUUID().toString()).toJobParameters();
        JobInstance run = jobRepository.createJobInstance("liveRecheckTest", parameters);

        JobExecution offline = jobRepository.createJobExecution(run, parameters, new ExecutionContext());
        managerOf(true).beforeJob(offline);
        assertThat(LiveRecheck.registryOffline(asAWorkerSeesIt(offline))).as("started with --registry-offline").isTrue();
        offline.setStatus(BatchStatus.FAILED);
        offline.setEndTime(LocalDateTime.now());
        jobRepository.update(offline);

        // a resume starts from a copy of the failed execution's context, then its manager decides anew
        JobExecution resumed = jobRepository.createJobExecution(run, parameters, new ExecutionContext(offline.getExecutionContext()));
        managerOf(false).beforeJob(resumed);
        assertThat(LiveRecheck.registryOffline(asAWorkerSeesIt(resumed))).as("resumed without it: the registry may take pushes")
                .isFalse();
    }

    private static LiveRecheck managerOf(boolean registryOffline) {
        return new LiveRecheck(null, jobRepository, null, Duration.ofSeconds(1), registryOffline, null);
    }

    /** As {@code PartitionRequests} loads it: a partition's step execution, with its job execution, from the database. */
    private static JobExecution asAWorkerSeesIt(JobExecution execution) {
        var partition = jobRepository.createStepExecution("deleteOrphanBlobs:partition0", execution);
        return jobRepository.getStepExecution(partition.getId()).getJobExecution();
    }
}
