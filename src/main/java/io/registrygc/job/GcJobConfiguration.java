package io.registrygc.job;

import io.micrometer.observation.ObservationRegistry;
import io.registrygc.audit.AuditLog;
import io.registrygc.manifest.ManifestParser;
import io.registrygc.monitor.RunMetrics;
import io.registrygc.monitor.StepProgressListener;
import io.registrygc.plan.PlanExecutor;
import io.registrygc.plan.WithdrawnContent;
import io.registrygc.plan.PlanItem;
import io.registrygc.plan.PlanStore;
import io.registrygc.plan.GcPlanner;
import io.registrygc.run.GcJobNames;
import io.registrygc.run.GcJobParameters;
import io.registrygc.plan.PlanRecheck;
import io.registrygc.pulls.PullHistory;
import io.registrygc.scan.ScanResult;
import io.registrygc.scan.ScanStateStore;
import io.registrygc.scan.ScanTarget;
import io.registrygc.scan.Scanner;
import io.registrygc.storage.StorageOpener;
import java.time.Duration;
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
import org.springframework.batch.infrastructure.item.database.PagingQueryProvider;
import org.springframework.batch.infrastructure.item.database.support.SqlPagingQueryProviderFactoryBean;
import org.springframework.batch.infrastructure.item.database.builder.JdbcPagingItemReaderBuilder;
import org.springframework.batch.core.partition.support.TaskExecutorPartitionHandler;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Scope;
import org.springframework.context.annotation.ScopedProxyMode;
import org.springframework.jdbc.core.JdbcTemplate;
import org.slf4j.MDC;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The three-step job: {@code scan} (partitions whose reader enumerates storage targets, processor parses and
 * marks, writer stores the state; once all partitions are done, the plan is computed), {@code deleteManifests}
 * (partitioned by repository) and {@code deleteOrphanBlobs} (partitioned by digest), whose readers read the plan
 * and writers carry it out and audit it. Partitions run on this process's threads, or on remote workers
 * ({@link PartitionRunner}).
 *
 * <p>No RunIdIncrementer: a rerun after a failure restarts the same instance, and the command line decides
 * explicitly between resuming and starting a new instance. Readers, processors and writers are step-scoped:
 * each step execution builds them from its run's typed settings ({@link RunContext}, built once per step).
 */
@Configuration
public class GcJobConfiguration {

    /** Plan items a partition reads per query. */
    static final int PLAN_PAGE = 500;

    private final JobRepository jobRepository;
    private final PlatformTransactionManager transactionManager;
    private final ObservationRegistry observations;
    private final StepProgressListener<ScanResult> scanProgress;
    private final StepProgressListener<PlanItem> manifestProgress;
    private final StepProgressListener<PlanItem> sweepProgress;

    GcJobConfiguration(JobRepository jobRepository, PlatformTransactionManager transactionManager,
            ObservationRegistry observations, JdbcTemplate jdbc,
            @Value("${registry-gc.progress.interval-ms:30000}") long progressIntervalMs) {
        this.jobRepository = jobRepository;
        this.transactionManager = transactionManager;
        this.observations = observations;
        Duration interval = Duration.ofMillis(progressIntervalMs);
        PlanStore plans = new PlanStore(jdbc);
        this.scanProgress = new StepProgressListener<>("scan targets", interval, step -> StepProgressListener.Extent.UNKNOWN,
                new ScanTally());
        this.manifestProgress = new StepProgressListener<>("plan items", interval,
                step -> planExtent(plans, PlanItem.Phase.MANIFESTS, step), null);
        this.sweepProgress = new StepProgressListener<>("plan items", interval,
                step -> planExtent(plans, PlanItem.Phase.BLOBS, step), null);
    }

    /** The storages this process opened, by location (see RunContext). */
    @Bean(destroyMethod = "closeAll")
    StorageOpener storageOpener() {
        return new StorageOpener();
    }

    @Bean
    Job registryGarbageCollection(Step readPullLogs, Step scan, Step recheckBeforeManifests, Step deleteManifests,
            Step recheckBeforeSweep, Step deleteOrphanBlobs, Step recheckAfterSweep, RunningExecution runningExecution,
            LiveRecheck liveRecheck) {
        return new JobBuilder(GcJobNames.JOB, jobRepository)
                .validator(GcJobParameters.validator())
                .observationRegistry(observations)
                .listener(runningExecution)
                .listener(liveRecheck)
                .start(readPullLogs)
                .next(scan)
                .next(recheckBeforeManifests)
                .next(deleteManifests)
                .next(recheckBeforeSweep)
                .next(deleteOrphanBlobs)
                .next(recheckAfterSweep)
                .build();
    }

    /**
     * Online collection: before each deletion phase, what manifests written since the cutoff hold on to is kept.
     * They run again on every resume (allowStartIfComplete), since pushes go on while a run is stopped.
     */
    @Bean
    Step recheckBeforeManifests(RecheckTasklet recheckTasklet) {
        return recheckStep(GcJobNames.RECHECK_BEFORE_MANIFESTS, recheckTasklet);
    }

    @Bean
    Step recheckBeforeSweep(RecheckTasklet recheckTasklet) {
        return recheckStep(GcJobNames.RECHECK_BEFORE_SWEEP, recheckTasklet);
    }

    /** The last look: writes back the links that manifests pushed during the sweep need. */
    @Bean
    Step recheckAfterSweep(RecheckTasklet recheckTasklet) {
        return recheckStep(GcJobNames.RECHECK_AFTER_SWEEP, recheckTasklet);
    }

    @Bean
    Step readPullLogs(ReadPullLogsTasklet readPullLogsTasklet) {
        return new StepBuilder(GcJobNames.READ_PULL_LOGS, jobRepository)
                .tasklet(readPullLogsTasklet, transactionManager)
                .observationRegistry(observations)
                .build();
    }

    @Bean
    @StepScope
    ReadPullLogsTasklet readPullLogsTasklet(RunContext run, JdbcTemplate jdbc) {
        return new ReadPullLogsTasklet(run, jdbc);
    }

    private Step recheckStep(String name, RecheckTasklet tasklet) {
        return new StepBuilder(name, jobRepository)
                .tasklet(tasklet, transactionManager)
                .allowStartIfComplete(true)
                .observationRegistry(observations)
                .build();
    }

    @Bean
    @StepScope
    RecheckTasklet recheckTasklet(RunContext run, JdbcTemplate jdbc, LiveRecheck liveRecheck) {
        return new RecheckTasklet(run, liveRecheck.recentManifests(run), new PlanRecheck(jdbc), liveRecheck);
    }

    /** The looks at the storage inside the deletion phases, shared by their partitions. */
    @Bean
    LiveRecheck liveRecheck(JdbcTemplate jdbc, @Value("${registry-gc.online.grace:1s}") Duration grace,
            @Value("${registry-gc.registry-offline:false}") boolean registryOffline) {
        return new LiveRecheck(new PlanRecheck(jdbc), jobRepository, ownTransaction(), grace, registryOffline,
                new WithdrawnContent(jdbc));
    }

    /** A transaction that commits on its own, before the chunk that asked for it deletes anything. */
    private TransactionTemplate ownTransaction() {
        TransactionTemplate ownTransaction = new TransactionTemplate(transactionManager);
        ownTransaction.setPropagationBehavior(TransactionTemplate.PROPAGATION_REQUIRES_NEW);
        return ownTransaction;
    }

    // ------------------------------------------------------------------------------------------------ steps

    /** Partitions of blob shards and repository ranges, run on the worker threads; the plan once all are done. */
    @Bean
    Step scan(Step scanPartition, ScanPartitioner scanPartitioner, PartitionRunner partitions, JdbcTemplate jdbc,
            StorageOpener storages, @Value("${registry-gc.threads:16}") int threads) {
        return new StepBuilder(GcJobNames.SCAN, jobRepository)
                .partitioner(GcJobNames.SCAN_PARTITION, scanPartitioner)
                .partitionHandler(partitions.handler(scanPartition,
                        ScanPartitioner.SHARD_PARTITIONS + ScanPartitioner.REPOSITORY_PARTITIONS, scanProgress::partitionsWrote))
                .aggregator(new PlanningAggregator(new GcPlanner(jdbc), new TransactionTemplate(transactionManager), storages,
                        threads))
                .observationRegistry(observations)
                .listener(scanProgress)
                .build();
    }

    @Bean
    Step scanPartition(ScanTargetReader scanTargetReader, ScanTargetProcessor scanTargetProcessor,
            ScanStateWriter scanStateWriter, PartitionHeartbeat partitionHeartbeat,
            @Value("${registry-gc.scan.chunk-size:8}") int chunkSize) {
        return new StepBuilder(GcJobNames.SCAN_PARTITION, jobRepository)
                .<ScanTarget, ScanResult>chunk(chunkSize)
                .transactionManager(transactionManager)
                .observationRegistry(observations)
                .reader(scanTargetReader)
                .processor(scanTargetProcessor)
                .writer(scanStateWriter)
                .listener(scanProgress.forPartitions())
                .listener(partitionHeartbeat)
                .build();
    }

    /** Tags, manifests, and repositories selected whole: up to sixteen partitions by repository. */
    @Bean
    Step deleteManifests(Step deleteManifestsPartition, PlanPartitioner manifestPlanPartitioner, PartitionRunner partitions) {
        return planPhase(GcJobNames.DELETE_MANIFESTS, GcJobNames.MANIFESTS_PARTITION, manifestPlanPartitioner,
                deleteManifestsPartition, partitions, manifestProgress);
    }

    @Bean
    Step deleteManifestsPartition(ItemStreamReader<PlanItem> manifestPlanReader, PlanItemWriter planItemWriter,
            PartitionHeartbeat partitionHeartbeat, @Value("${registry-gc.delete.chunk-size:500}") int chunkSize) {
        return planPartitionStep(GcJobNames.MANIFESTS_PARTITION, manifestPlanReader, planItemWriter, chunkSize,
                manifestProgress, partitionHeartbeat);
    }

    /** Layer links and blobs: up to sixteen partitions by digest. */
    @Bean
    Step deleteOrphanBlobs(Step deleteOrphanBlobsPartition, PlanPartitioner blobPlanPartitioner, PartitionRunner partitions) {
        return planPhase(GcJobNames.DELETE_ORPHAN_BLOBS, GcJobNames.SWEEP_PARTITION, blobPlanPartitioner,
                deleteOrphanBlobsPartition, partitions, sweepProgress);
    }

    @Bean
    Step deleteOrphanBlobsPartition(ItemStreamReader<PlanItem> blobPlanReader, PlanItemWriter planItemWriter,
            PartitionHeartbeat partitionHeartbeat, @Value("${registry-gc.delete.chunk-size:500}") int chunkSize) {
        return planPartitionStep(GcJobNames.SWEEP_PARTITION, blobPlanReader, planItemWriter, chunkSize, sweepProgress,
                partitionHeartbeat);
    }

    private Step planPhase(String name, String workerName, PlanPartitioner partitioner, Step worker,
            PartitionRunner partitions, StepProgressListener<PlanItem> progress) {
        return new StepBuilder(name, jobRepository)
                .partitioner(workerName, partitioner)
                .partitionHandler(partitions.handler(worker, PlanPartitioner.PARTITIONS, progress::partitionsWrote))
                .observationRegistry(observations)
                .listener(progress)
                .build();
    }

    /** One partition of a plan phase: its items read in order, carried out and audited chunk by chunk. */
    private Step planPartitionStep(String name, ItemStreamReader<PlanItem> reader, PlanItemWriter writer, int chunkSize,
            StepProgressListener<PlanItem> progress, PartitionHeartbeat heartbeat) {
        return new StepBuilder(name, jobRepository)
                .<PlanItem, PlanItem>chunk(chunkSize)
                .transactionManager(transactionManager)
                .observationRegistry(observations)
                .reader(reader)
                .writer(writer)
                .listener(progress.forPartitions())
                .listener(heartbeat)
                .build();
    }

    /**
     * Where partitions run: on the remote workers when this process manages a run over a broker ({@code run --broker}),
     * otherwise on this process's threads.
     */
    @Bean
    PartitionRunner partitionRunner(ThreadPoolTaskExecutor gcWorkers, ObjectProvider<RemotePartitions> remote,
            LiveRecheck liveRecheck) {
        RemotePartitions workers = remote.getIfAvailable();
        if (workers != null) {
            // the deletions ran elsewhere: the next look waits out the grace after this phase as a whole
            return (step, gridSize, written) -> workers.handler(step, gridSize, written,
                    managerStep -> liveRecheck.deleted(managerStep.getJobExecution().getJobInstance().getInstanceId()));
        }
        return (step, gridSize, written) -> {
            TaskExecutorPartitionHandler threads = new TaskExecutorPartitionHandler();
            threads.setStep(step);
            threads.setGridSize(gridSize);
            threads.setTaskExecutor(gcWorkers);
            return threads;
        };
    }

    /** The partitions this process executes, recorded with its host and pid and beaten while they run. */
    @Bean(destroyMethod = "close")
    PartitionHeartbeat partitionHeartbeat(JdbcTemplate jdbc, StorageOpener storages, LiveRecheck liveRecheck,
            @Value("${registry-gc.worker:false}") boolean worker,
            @Value("${registry-gc.heartbeat-interval:5s}") Duration interval) {
        return new PartitionHeartbeat(jdbc, storages, liveRecheck, worker, interval);
    }

    /** The plan of the phase is the step's total; what earlier executions audited of it was done before a resume. */
    private static StepProgressListener.Extent planExtent(PlanStore plans, PlanItem.Phase phase, StepExecution step) {
        long runId = step.getJobExecution().getJobInstance().getInstanceId();
        // in the first execution of a run nothing can have been done before (a step's own context is no guide:
        // Spring Batch fills it before the listeners run, and counting then probed the audit for minutes)
        boolean resumed = plans.executionsOf(runId) > 1;
        return new StepProgressListener.Extent(plans.count(runId, phase), resumed ? plans.countAudited(runId, phase) : 0);
    }

    /**
     * The threads the partitions run on: sized for I/O, not for cores (a cold scan waits on the disk, and many
     * outstanding reads help even on two cores). Log lines of a partition carry the run's context.
     */
    @Bean
    ThreadPoolTaskExecutor gcWorkers(@Value("${registry-gc.threads:16}") int threads) {
        ThreadPoolTaskExecutor executor = new ThreadPoolTaskExecutor();
        executor.setCorePoolSize(threads);
        executor.setMaxPoolSize(threads);
        executor.setThreadNamePrefix("gc-worker-");
        executor.setTaskDecorator(task -> {
            Map<String, String> context = MDC.getCopyOfContextMap();
            return () -> {
                MDC.setContextMap(context == null ? Map.of() : context);
                try {
                    task.run();
                } finally {
                    MDC.clear();
                }
            };
        });
        return executor;
    }

    // ---------------------------------------------------------------------- step-scoped: built per step execution

    /** The run a step belongs to; not proxied: only step-scoped beans, created inside the step, use it. */
    @Bean
    @Scope(value = "step", proxyMode = ScopedProxyMode.NO)
    RunContext runContext(@Value("#{stepExecution}") StepExecution stepExecution, StorageOpener storages) {
        return RunContext.of(stepExecution, storages);
    }

    @Bean
    @StepScope
    ScanPartitioner scanPartitioner(RunContext run, JdbcTemplate jdbc, @Value("${registry-gc.threads:16}") int threads,
            @Value("#{stepExecution}") StepExecution scanStep) {
        return new ScanPartitioner(run.reader(), new ScanStateStore(jdbc), run.runId(), threads,
                scanStep.getExecutionContext(), () -> jobRepository.updateExecutionContext(scanStep));
    }

    @Bean
    @StepScope
    ScanTargetReader scanTargetReader(RunContext run, @Value("#{stepExecution}") StepExecution partition) {
        return new ScanTargetReader(run.reader(), ScanPartitioner.range(partition.getExecutionContext()));
    }

    @Bean
    @StepScope
    ScanTargetProcessor scanTargetProcessor(RunContext run, JdbcTemplate jdbc) {
        PullHistory pulls = new PullHistory(jdbc);
        String root = run.settings().storageRoot();
        return new ScanTargetProcessor(new Scanner(run.reader(), new ManifestParser(), run.settings().retention(),
                repository -> pulls.lastPulls(root, repository), run.settings().createdAt(), run.settings().readsTags()));
    }

    @Bean
    @StepScope
    ScanStateWriter scanStateWriter(RunContext run, JdbcTemplate jdbc) {
        return new ScanStateWriter(new ScanStateStore(jdbc), run.runId());
    }

    @Bean
    @StepScope
    PlanPartitioner manifestPlanPartitioner(RunContext run, JdbcTemplate jdbc) {
        return planPartitioner("repositories", PlanItem.Phase.MANIFESTS, run, jdbc);
    }

    @Bean
    @StepScope
    PlanPartitioner blobPlanPartitioner(RunContext run, JdbcTemplate jdbc) {
        return planPartitioner("digests", PlanItem.Phase.BLOBS, run, jdbc);
    }

    /** A phase's partitions, one for each part of the run's plan that holds items. */
    private static PlanPartitioner planPartitioner(String label, PlanItem.Phase phase, RunContext run, JdbcTemplate jdbc) {
        return new PlanPartitioner(label, new PlanStore(jdbc).partsWithItems(run.runId(), phase, PlanPartitioner.PARTITIONS));
    }

    @Bean
    @StepScope
    JdbcPagingItemReader<PlanItem> manifestPlanReader(RunContext run, DataSource dataSource,
            @Value("#{stepExecutionContext['" + PlanPartitioner.PART + "']}") int part) throws Exception {
        return planReader(run.runId(), PlanItem.Phase.MANIFESTS, part, dataSource);
    }

    @Bean
    @StepScope
    JdbcPagingItemReader<PlanItem> blobPlanReader(RunContext run, DataSource dataSource,
            @Value("#{stepExecutionContext['" + PlanPartitioner.PART + "']}") int part) throws Exception {
        return planReader(run.runId(), PlanItem.Phase.BLOBS, part, dataSource);
    }

    /**
     * One partition of a phase of the plan in plan order; its checkpoint (the last seq read) lets a resume go on after
     * it. In the blob phase the planner numbers a partition's layer links before its blobs, so that blob data goes a
     * grace after the links that served it ({@link PlanItemWriter} refuses a link that comes after).
     */
    static JdbcPagingItemReader<PlanItem> planReader(long runId, PlanItem.Phase phase, int part, DataSource dataSource)
            throws Exception {
        return new JdbcPagingItemReaderBuilder<PlanItem>()
                .name("plan")
                .dataSource(dataSource)
                .queryProvider(planQuery(dataSource, runId))
                .parameterValues(Map.of("run", runId, "phase", phase.name(), "part", part))
                .rowMapper(PlanStore.ROW)
                .pageSize(PLAN_PAGE)
                .build();
    }

    /**
     * A page of a partition is a range of the index on (run, phase, part, seq): the sort key is the seq alone. With a
     * second key (the action, once), every page sorted the partition's remaining rows: quadratic, 2 of the 4 minutes
     * of a million-blob sweep.
     */
    static PagingQueryProvider planQuery(DataSource dataSource, long runId) throws Exception {
        SqlPagingQueryProviderFactoryBean query = new SqlPagingQueryProviderFactoryBean();
        query.setDataSource(dataSource);
        query.setSelectClause(PlanStore.COLUMNS);
        query.setFromClause(PlanStore.planOf(runId));
        query.setWhereClause("run_id = :run AND phase = :phase AND part = :part");
        query.setSortKeys(Map.of("seq", Order.ASCENDING));
        return query.getObject();
    }

    @Bean
    @StepScope
    PlanItemWriter planItemWriter(RunContext run, JdbcTemplate jdbc, RunMetrics metrics, RunningExecution running,
            LiveRecheck liveRecheck) {
        PlanStore plans = new PlanStore(jdbc);
        WithdrawnContent withdrawn = new WithdrawnContent(jdbc);
        TransactionTemplate ownTransaction = ownTransaction();
        // while the registry takes pushes, what a pushed manifest may need back is kept before its data goes
        PlanExecutor.ContentKeeper keeper = run.registryOffline() ? PlanExecutor.ContentKeeper.NONE
                : contents -> ownTransaction.executeWithoutResult(status -> withdrawn.keep(run.runId(), contents));
        PlanExecutor executor = new PlanExecutor(run.reader(), run.deleter(),
                manifests -> plans.tagsIndexing(run.runId(), manifests), keeper, run.settings().cutoff(),
                run.settings().dryRun());
        return new PlanItemWriter(executor, new AuditLog(jdbc), metrics, run, () -> running.verifyLease(run), liveRecheck, plans);
    }
}
