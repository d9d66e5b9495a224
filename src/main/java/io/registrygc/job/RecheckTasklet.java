package io.registrygc.job;

import io.registrygc.plan.PlanRecheck;
import io.registrygc.scan.RecentManifests;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

/**
 * Before a deletion phase (and after the last): keeps every plan item that what the registry wrote after the run's
 * cutoff holds on to, and writes back links pushed manifests need ({@link LiveRecheck}); the phase's chunks then
 * look again, where something changed, before each deletes. A dry run deletes nothing and skips it.
 */
class RecheckTasklet implements Tasklet {

    private final RunContext run;
    private final RecentManifests recent;
    private final PlanRecheck recheck;
    private final LiveRecheck live;

    RecheckTasklet(RunContext run, RecentManifests recent, PlanRecheck recheck, LiveRecheck live) {
        this.run = run;
        this.recent = recent;
        this.recheck = recheck;
        this.live = live;
    }

    @Override
    public RepeatStatus execute(StepContribution contribution, ChunkContext chunkContext) throws InterruptedException {
        if (run.settings().dryRun()) {
            return RepeatStatus.FINISHED;
        }
        // a request the registry checked before the last deletion has written its manifest by now
        live.awaitGraceAfterDeletions(run);
        live.lookAtPhaseStart(run, recent, recheck);
        return RepeatStatus.FINISHED;
    }
}
