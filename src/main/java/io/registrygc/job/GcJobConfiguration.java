package io.registrygc.job;

import io.micrometer.observation.ObservationRegistry;
import io.registrygc.audit.AuditLog;
import io.registrygc.manifest.ManifestParser;
import io.registrygc.monitor.RunMetrics;
import io.registrygc.monitor.StepProgressListener;
import io.registrygc.plan.PlanExecutor;
import io.registrygc.plan.PlanItem;
import io.registrygc.plan.PlanStore;
import io.registrygc.policy.GcPlanner;
import io.registrygc.run.GcJobNames;
import io.registrygc.run.GcJobParameters;
import io.registrygc.scan.ScanResult;
import io.registrygc.scan.ScanStateStore;
import io.registrygc.scan.ScanTarget;
import io.registrygc.scan.Scanner;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import javax.sql.DataSource;
import org.springframework.batch.core.configuration.annotation.StepScope;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.batch.infrastructure.item.ItemStreamReader;
import org.springframework.batch.infrastructure.item.database.JdbcPagingItemReader;
import org.springframework.batch.infrastructure.item.database.Order;
import org.springframework.batch.infrastructure.item.database.builder.JdbcPagingItemReaderBuilder;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Scope;
import org.springframework.context.annotation.ScopedProxyMode;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * The three-step job: {@code scan} (reader of storage targets, processor that parses and marks, writer that
 * stores the state and, once the scan is complete, computes the plan), {@code deleteManifests} and
 * {@code deleteOrphanBlobs} (readers of the plan, writers that carry it out and audit it).
 *
 * <p>No RunIdIncrementer: a rerun after a failure restarts the same instance, and the command line decides
 * explicitly between resuming and starting a new instance. Readers, processors and writers are step-scoped:
 * each step execution builds them from its run's typed settings ({@link RunContext}, built once per step).
 */
@Configuration
public class GcJobConfiguration {

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
        return new JobBuilder(GcJobNames.JOB, jobRepository)
                .validator(GcJobParameters.validator())
                .observationRegistry(observations)
                .listener(runningExecution)
                .start(scan)
                .next(deleteManifests)
                .next(deleteOrphanBlobs)
                .build();
    }

    // ------------------------------------------------------------------------------------------------ steps

    @Bean
    Step scan(ScanTargetReader scanTargetReader, ScanTargetProcessor scanTargetProcessor, ScanStateWriter scanStateWriter,
            @Value("${registry-gc.scan.chunk-size:8}") int chunkSize) {
        return new StepBuilder(GcJobNames.SCAN, jobRepository)
                .<ScanTarget, ScanResult>chunk(chunkSize)
                .transactionManager(transactionManager)
                .observationRegistry(observations)
                .reader(scanTargetReader)
                .processor(scanTargetProcessor)
                .writer(scanStateWriter)
                .listener(new StepProgressListener<ScanResult>("scan targets", progressInterval,
                        step -> StepProgressListener.Extent.UNKNOWN, new ScanTally()))
                .build();
    }

    @Bean
    Step deleteManifests(ItemStreamReader<PlanItem> manifestPlanReader, PlanItemWriter planItemWriter, JdbcTemplate jdbc,
            @Value("${registry-gc.delete.chunk-size:100}") int chunkSize) {
        return planStep(GcJobNames.DELETE_MANIFESTS, PlanItem.Phase.MANIFESTS, manifestPlanReader, planItemWriter, jdbc, chunkSize);
    }

    @Bean
    Step deleteOrphanBlobs(ItemStreamReader<PlanItem> blobPlanReader, PlanItemWriter planItemWriter, JdbcTemplate jdbc,
            @Value("${registry-gc.delete.chunk-size:100}") int chunkSize) {
        return planStep(GcJobNames.DELETE_ORPHAN_BLOBS, PlanItem.Phase.BLOBS, blobPlanReader, planItemWriter, jdbc, chunkSize);
    }

    private Step planStep(String name, PlanItem.Phase phase, ItemStreamReader<PlanItem> reader, PlanItemWriter writer,
            JdbcTemplate jdbc, int chunkSize) {
        PlanStore plans = new PlanStore(jdbc);
        return new StepBuilder(name, jobRepository)
                .<PlanItem, PlanItem>chunk(chunkSize)
                .transactionManager(transactionManager)
                .observationRegistry(observations)
                .reader(reader)
                .writer(writer)
                .listener(new StepProgressListener<PlanItem>("plan items", progressInterval,
                        step -> planExtent(plans, phase, step), null))
                .build();
    }

    /** The plan of the phase is the step's total; what the reader's checkpoint counts was done before a resume. */
    private static StepProgressListener.Extent planExtent(PlanStore plans, PlanItem.Phase phase, StepExecution step) {
        long runId = step.getJobExecution().getJobInstance().getInstanceId();
        String readCount = planReaderName(phase) + ".read.count";
        var context = step.getExecutionContext();
        return new StepProgressListener.Extent(plans.count(runId, phase),
                context.containsKey(readCount) ? context.getInt(readCount) : 0);
    }

    // ---------------------------------------------------------------------- step-scoped: built per step execution

    /** The run a step belongs to; not proxied: only step-scoped beans, created inside the step, use it. */
    @Bean
    @Scope(value = "step", proxyMode = ScopedProxyMode.NO)
    RunContext runContext(@Value("#{stepExecution}") StepExecution stepExecution) {
        return RunContext.of(stepExecution);
    }

    @Bean
    @StepScope
    ScanTargetReader scanTargetReader(RunContext run) {
        return new ScanTargetReader(run.reader());
    }

    @Bean
    @StepScope
    ScanTargetProcessor scanTargetProcessor(RunContext run) {
        return new ScanTargetProcessor(new Scanner(run.reader(), new ManifestParser()));
    }

    @Bean
    @StepScope
    ScanStateWriter scanStateWriter(RunContext run, JdbcTemplate jdbc) {
        return new ScanStateWriter(new ScanStateStore(jdbc), new GcPlanner(jdbc), run.runId());
    }

    @Bean
    @StepScope
    JdbcPagingItemReader<PlanItem> manifestPlanReader(RunContext run, DataSource dataSource) throws Exception {
        return planReader(run, PlanItem.Phase.MANIFESTS, dataSource);
    }

    @Bean
    @StepScope
    JdbcPagingItemReader<PlanItem> blobPlanReader(RunContext run, DataSource dataSource) throws Exception {
        return planReader(run, PlanItem.Phase.BLOBS, dataSource);
    }

    /** One phase of the plan in order; its checkpoint (the last seq read) lets a resumed step go on after it. */
    private static JdbcPagingItemReader<PlanItem> planReader(RunContext run, PlanItem.Phase phase, DataSource dataSource)
            throws Exception {
        return new JdbcPagingItemReaderBuilder<PlanItem>()
                .name(planReaderName(phase))
                .dataSource(dataSource)
                .selectClause(PlanStore.COLUMNS)
                .fromClause("gc_plan_item")
                .whereClause("run_id = :run AND phase = :phase")
                .parameterValues(Map.of("run", run.runId(), "phase", phase.name()))
                .sortKeys(Map.of("seq", Order.ASCENDING))
                .rowMapper(PlanStore.ROW)
                .pageSize(500)
                .build();
    }

    private static String planReaderName(PlanItem.Phase phase) {
        return "plan." + phase.name().toLowerCase(Locale.ROOT);
    }

    @Bean
    @StepScope
    PlanItemWriter planItemWriter(RunContext run, JdbcTemplate jdbc, RunMetrics metrics) {
        PlanStore plans = new PlanStore(jdbc);
        PlanExecutor executor = new PlanExecutor(run.reader(), run.deleter(),
                (repository, digest) -> plans.tagsIndexing(run.runId(), repository, digest), run.settings().cutoff(),
                run.settings().dryRun());
        return new PlanItemWriter(executor, new AuditLog(jdbc), metrics, run);
    }
}
