package io.registrygc.cli;

import io.registrygc.audit.RunReport;
import io.registrygc.job.RunOutput;
import io.registrygc.monitor.LogFormat;
import io.registrygc.plan.PlanItem;
import java.io.PrintWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The run's plan and summary as text on stdout, or, with {@code --log-format json}, as log events. */
final class RunOutputs {

    private static final Logger log = LoggerFactory.getLogger("io.registrygc.run");

    private RunOutputs() {
    }

    static RunOutput forActiveFormat(PrintWriter out) {
        return LogFormat.active() == LogFormat.JSON ? new LogEvents() : new Text(out);
    }

    private record Text(PrintWriter out) implements RunOutput {
        @Override
        public void wouldDelete(String what, String reason) {
            out.println("would delete " + what + ": " + reason);
        }

        @Override
        public void summary(RunReport report) {
            out.print(report.format());
            out.flush();
        }
    }

    private static final class LogEvents implements RunOutput {
        @Override
        public void wouldDelete(String what, String reason) {
            log.atInfo().setMessage(() -> "would delete " + what + ": " + reason).addKeyValue("event", "planned")
                    .addKeyValue("item", what).addKeyValue("reason", reason).log();
        }

        @Override
        public void summary(RunReport report) {
            var event = log.atInfo().setMessage(() -> report.format().strip().replace("\n  ", "; "))
                    .addKeyValue("event", "run_summary")
                    .addKeyValue("run_id", report.runId())
                    .addKeyValue("dry_run", report.dryRun())
                    .addKeyValue("tags", report.totals().count(PlanItem.Action.DELETE_TAG))
                    .addKeyValue("manifests", report.totals().count(PlanItem.Action.DELETE_MANIFEST))
                    .addKeyValue("layer_links", report.totals().count(PlanItem.Action.DELETE_LAYER_LINK))
                    .addKeyValue("repositories", report.totals().count(PlanItem.Action.DELETE_REPOSITORY))
                    .addKeyValue("blobs", report.totals().count(PlanItem.Action.DELETE_BLOB))
                    .addKeyValue("bytes", report.totals().bytes())
                    .addKeyValue("kept_changed", report.totals().keptChanged())
                    .addKeyValue("drifted", report.totals().drifted())
                    .addKeyValue("problems", report.problemCount());
            if (report.sweepBlocked() != null) {
                event = event.addKeyValue("sweep_blocked", report.sweepBlocked());
            }
            for (var requests : report.storageRequests().entrySet()) {
                event = event.addKeyValue("s3_" + requests.getKey().name().toLowerCase(java.util.Locale.ROOT) + "_requests",
                        requests.getValue());
            }
            event.log();
        }
    }
}
