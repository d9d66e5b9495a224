package io.registrygc.job;

import io.registrygc.audit.AuditLog;
import io.registrygc.manifest.ManifestParser;
import io.registrygc.plan.PlanItem;
import io.registrygc.plan.PlanStore;
import io.registrygc.policy.GcPlanner;
import io.registrygc.scan.ScanResult;
import io.registrygc.scan.ScanTarget;
import io.registrygc.scan.Scanner;
import io.registrygc.state.ScanStateStore;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The three-step job. No RunIdIncrementer: a rerun after a failure restarts the same instance, and
 * the command line decides explicitly between resuming and starting a new instance.
 */
@Configuration
public class GcJobConfiguration {

    public static final String JOB_NAME = "registryGarbageCollection";
    public static final String SCAN = "scan";
    public static final String DELETE_MANIFESTS = "deleteManifests";
    public static final String DELETE_ORPHAN_BLOBS = "deleteOrphanBlobs";

    @Bean
    Job registryGarbageCollection(JobRepository jobRepository, Step scan, Step deleteManifests, Step deleteOrphanBlobs,
            RunningExecution runningExecution) {
        return new JobBuilder(JOB_NAME, jobRepository)
                .listener(runningExecution)
                .start(scan)
                .next(deleteManifests)
                .next(deleteOrphanBlobs)
                .build();
    }

    @Bean
    Step scan(JobRepository jobRepository, PlatformTransactionManager transactionManager, JdbcTemplate jdbc,
            @Value("${registry-gc.scan.chunk-size:8}") int chunkSize) {
        ScanTargetReader reader = new ScanTargetReader();
        ScanResultWriter writer = new ScanResultWriter(new ScanStateStore(jdbc));
        ManifestParser parser = new ManifestParser();
        var processor = new ScanTargetProcessor(parser);
        return new StepBuilder(SCAN, jobRepository)
                .<ScanTarget, ScanResult>chunk(chunkSize)
                .transactionManager(transactionManager)
                .reader(reader)
                .processor(processor)
                .writer(writer)
                .listener(reader)
                .listener(processor)
                .listener(writer)
                .build();
    }

    @Bean
    Step deleteManifests(JobRepository jobRepository, PlatformTransactionManager transactionManager, JdbcTemplate jdbc,
            @Value("${registry-gc.delete.chunk-size:100}") int chunkSize) {
        PlanningListener planning = new PlanningListener(new GcPlanner(jdbc), new TransactionTemplate(transactionManager));
        return planStep(DELETE_MANIFESTS, PlanItem.Phase.MANIFESTS, jobRepository, transactionManager, jdbc, chunkSize, planning);
    }

    @Bean
    Step deleteOrphanBlobs(JobRepository jobRepository, PlatformTransactionManager transactionManager, JdbcTemplate jdbc,
            @Value("${registry-gc.delete.chunk-size:100}") int chunkSize) {
        return planStep(DELETE_ORPHAN_BLOBS, PlanItem.Phase.BLOBS, jobRepository, transactionManager, jdbc, chunkSize, null);
    }

    private static Step planStep(String name, PlanItem.Phase phase, JobRepository jobRepository,
            PlatformTransactionManager transactionManager, JdbcTemplate jdbc, int chunkSize, PlanningListener planning) {
        PlanStore plans = new PlanStore(jdbc);
        PlanItemReader reader = new PlanItemReader(plans, phase);
        PlanItemWriter writer = new PlanItemWriter(plans, new AuditLog(jdbc));
        var builder = new StepBuilder(name, jobRepository)
                .<PlanItem, PlanItem>chunk(chunkSize)
                .transactionManager(transactionManager)
                .reader(reader)
                .writer(writer);
        if (planning != null) {
            builder.listener(planning);
        }
        return builder.listener(reader).listener(writer).build();
    }
}
