package io.registrygc.job;

import io.micrometer.observation.ObservationRegistry;
import io.registrygc.audit.AuditLog;
import io.registrygc.manifest.ManifestParser;
import io.registrygc.monitor.RunMetrics;
import io.registrygc.plan.PlanItem;
import io.registrygc.plan.PlanStore;
import io.registrygc.policy.GcPlanner;
import io.registrygc.scan.ScanResult;
import io.registrygc.scan.ScanTarget;
import io.registrygc.state.ScanStateStore;
import java.time.Duration;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.listener.StepListener;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.StepExecution;
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

    private final JobRepository jobRepository;
    private final PlatformTransactionManager transactionManager;
    private final ObservationRegistry observations;
    private final Duration progressInterval;

    GcJobConfiguration(JobRepository jobRepository, PlatformTransactionManager transactionManager,
            ObservationRegistry observations, @Value("${registry-gc.progress.interval-ms:30000}") long progressIntervalMs) {
        this.jobRepository = jobRepository;
        this.transactionManager = transactionManager;
        this.observations = observations;
        this.progressInterval = Duration.ofMillis(progressIntervalMs);
    }

    @Bean
    Job registryGarbageCollection(Step scan, Step deleteManifests, Step deleteOrphanBlobs, RunningExecution runningExecution) {
        return new JobBuilder(JOB_NAME, jobRepository)
                .observationRegistry(observations)
                .listener(runningExecution)
                .start(scan)
                .next(deleteManifests)
                .next(deleteOrphanBlobs)
                .build();
    }

    @Bean
    Step scan(JdbcTemplate jdbc, @Value("${registry-gc.scan.chunk-size:8}") int chunkSize) {
        ScanTargetReader reader = new ScanTargetReader();
        ScanResultWriter writer = new ScanResultWriter(new ScanStateStore(jdbc));
        var processor = new ScanTargetProcessor(new ManifestParser());
        ScanTally tally = new ScanTally();
        StepListener progress = new StepProgressListener<ScanResult>("scan targets", progressInterval,
                step -> StepProgressListener.Extent.UNKNOWN, tally);
        return new StepBuilder(SCAN, jobRepository)
                .<ScanTarget, ScanResult>chunk(chunkSize)
                .transactionManager(transactionManager)
                .observationRegistry(observations)
                .reader(reader)
                .processor(processor)
                .writer(writer)
                .listener(reader)
                .listener(processor)
                .listener(writer)
                .listener(progress)
                .build();
    }

    @Bean
    Step deleteManifests(JdbcTemplate jdbc, RunMetrics metrics, @Value("${registry-gc.delete.chunk-size:100}") int chunkSize) {
        PlanningListener planning = new PlanningListener(new GcPlanner(jdbc), new TransactionTemplate(transactionManager));
        return planStep(DELETE_MANIFESTS, PlanItem.Phase.MANIFESTS, jdbc, metrics, chunkSize, planning);
    }

    @Bean
    Step deleteOrphanBlobs(JdbcTemplate jdbc, RunMetrics metrics, @Value("${registry-gc.delete.chunk-size:100}") int chunkSize) {
        return planStep(DELETE_ORPHAN_BLOBS, PlanItem.Phase.BLOBS, jdbc, metrics, chunkSize, null);
    }

    private Step planStep(String name, PlanItem.Phase phase, JdbcTemplate jdbc, RunMetrics metrics, int chunkSize,
            PlanningListener planning) {
        PlanStore plans = new PlanStore(jdbc);
        PlanItemReader reader = new PlanItemReader(plans, phase);
        PlanItemWriter writer = new PlanItemWriter(plans, new AuditLog(jdbc), metrics);
        var builder = new StepBuilder(name, jobRepository)
                .<PlanItem, PlanItem>chunk(chunkSize)
                .transactionManager(transactionManager)
                .observationRegistry(observations)
                .reader(reader)
                .writer(writer);
        if (planning != null) {
            builder.listener(planning);
        }
        // after the planner: the plan it writes is the progress total
        StepListener progress = new StepProgressListener<PlanItem>("plan items", progressInterval,
                step -> planExtent(plans, phase, step), null);
        return builder.listener(reader).listener(writer).listener(progress).build();
    }

    private static StepProgressListener.Extent planExtent(PlanStore plans, PlanItem.Phase phase, StepExecution step) {
        long runId = step.getJobExecution().getJobInstance().getInstanceId();
        String checkpoint = PlanItemReader.checkpointKey(phase);
        long resumedAfter = step.getExecutionContext().containsKey(checkpoint) ? step.getExecutionContext().getLong(checkpoint) : 0;
        return new StepProgressListener.Extent(plans.count(runId, phase),
                resumedAfter > 0 ? plans.countUpTo(runId, phase, resumedAfter) : 0);
    }
}
