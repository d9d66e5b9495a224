package io.registrygc.job;

import io.registrygc.plan.PlanRecheck;
import io.registrygc.scan.RecentManifests;
import io.registrygc.scan.RecentManifests.Look;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

/**
 * Reads the manifests written after the run's cutoff (the registry keeps serving pushes) and keeps every plan item
 * they hold on to; the phase's chunks then look again, where something changed, before each deletes
 * ({@link LiveRecheck}). A dry run deletes nothing and skips it.
 */
class RecheckTasklet implements Tasklet {

    private static final Logger log = LoggerFactory.getLogger(RecheckTasklet.class);

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
        live.awaitGraceAfterDeletions(run.runId());
        long lookedAt = System.nanoTime();
        RecentManifests.Watch watch = recent.watch(run.settings().cutoff());
        Look written = watch.look(problem -> log.debug("re-check: {}", problem));
        int kept = recheck.holdWhatRecentManifestsReference(run.runId(), written);
        live.phaseStarted(run, watch, lookedAt, written); // the phase's chunks look again from here
        // the audit records each kept item (outcome DRIFTED, with the manifest that holds it) when its phase runs
        if (kept > 0) {
            log.warn("{} manifests and {} layer links were written since the run's cutoff; {} plan items they hold on"
                    + " to are kept", written.manifests().size(), written.links().size(), kept);
        }
        return RepeatStatus.FINISHED;
    }
}
