package io.registrygc.job;

import io.registrygc.plan.PlanRecheck;
import io.registrygc.scan.RecentManifests;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

/**
 * Reads the manifests written after the run's cutoff (the registry keeps serving pushes) and keeps every plan item
 * they hold on to. A dry run deletes nothing and skips it.
 */
class RecheckTasklet implements Tasklet {

    private static final Logger log = LoggerFactory.getLogger(RecheckTasklet.class);

    private final RunContext run;
    private final RecentManifests recent;
    private final PlanRecheck recheck;

    RecheckTasklet(RunContext run, RecentManifests recent, PlanRecheck recheck) {
        this.run = run;
        this.recent = recent;
        this.recheck = recheck;
    }

    @Override
    public RepeatStatus execute(StepContribution contribution, ChunkContext chunkContext) {
        if (run.settings().dryRun()) {
            return RepeatStatus.FINISHED;
        }
        var written = recent.writtenAfter(run.settings().cutoff(), problem -> log.debug("re-check: {}", problem));
        int kept = recheck.holdWhatRecentManifestsReference(run.runId(), written);
        // the audit records each kept item (outcome DRIFTED, with the manifest that holds it) when its phase runs
        if (kept > 0) {
            log.warn("{} manifests were written since the run's cutoff; {} plan items they hold on to are kept",
                    written.size(), kept);
        }
        return RepeatStatus.FINISHED;
    }
}
