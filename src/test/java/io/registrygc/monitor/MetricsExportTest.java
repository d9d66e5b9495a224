package io.registrygc.monitor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.registrygc.plan.Outcome;
import io.registrygc.plan.PlanItem;
import io.registrygc.testsupport.RecordingHttpServer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetricsExportTest {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final RunMetrics metrics = new RunMetrics(registry);

    @TempDir
    Path dir;

    @Test
    void countsOnlyWhatWasRemovedAndTheBytesOfRemovedBlobs() {
        metrics.record(PlanItem.Action.DELETE_BLOB, Outcome.DELETED, 100);
        metrics.record(PlanItem.Action.DELETE_BLOB, Outcome.ALREADY_GONE, 20);
        metrics.record(PlanItem.Action.DELETE_BLOB, Outcome.KEPT_CHANGED, 5000);
        metrics.record(PlanItem.Action.DELETE_MANIFEST, Outcome.DELETED, 0);
        metrics.record(PlanItem.Action.DELETE_MANIFEST, Outcome.PLANNED, 0);
        metrics.record(PlanItem.Action.DELETE_TAG, Outcome.DELETED, 0);

        String text = registry.scrape();
        assertThat(text).contains("registry_gc_blobs_deleted_total 2.0")
                .contains("registry_gc_reclaimed_bytes_total 120.0")
                .contains("registry_gc_manifests_deleted_total 1.0")
                .contains("registry_gc_plan_items_total{action=\"DELETE_BLOB\",outcome=\"KEPT_CHANGED\"} 1.0")
                .contains("registry_gc_plan_items_total{action=\"DELETE_MANIFEST\",outcome=\"PLANNED\"} 1.0")
                .contains("registry_gc_plan_items_total{action=\"DELETE_TAG\",outcome=\"DELETED\"} 1.0");
    }

    @Test
    void countersExistAtZeroSoADryRunStillReportsThem() {
        assertThat(registry.scrape()).contains("registry_gc_blobs_deleted_total 0.0")
                .contains("registry_gc_manifests_deleted_total 0.0").contains("registry_gc_reclaimed_bytes_total 0.0");
    }

    @Test
    void runEndGaugesDescribeTheInvocation() {
        OffsetDateTime start = OffsetDateTime.parse("2026-11-28T01:00:00Z");
        metrics.runFinished(new RunMetrics.RunEnd(4, false, 3L, 8L, "COMPLETED", start, start.plusSeconds(90),
                start.plusSeconds(90)));
        assertThat(registry.scrape()).contains("registry_gc_run_exit_code 4.0")
                .contains("registry_gc_run_dry_run 0.0")
                .contains("registry_gc_run_info{job_execution_id=\"8\",run_id=\"3\",status=\"COMPLETED\"} 1")
                .contains("registry_gc_run_start_time_seconds " + (double) start.toEpochSecond())
                .contains("registry_gc_last_success_time_seconds " + (double) start.plusSeconds(90).toEpochSecond());
    }

    @Test
    void lockedInvocationHasOnlyItsExitCode() {
        metrics.runFinished(new RunMetrics.RunEnd(3, false, null, null, null, null, null, null));
        assertThat(registry.scrape()).contains("registry_gc_run_exit_code 3.0").doesNotContain("registry_gc_run_info")
                .doesNotContain("registry_gc_last_success");
    }

    @Test
    void textFileIsReplacedWholeAndLeavesNoTemporaryFile() throws Exception {
        Path file = dir.resolve("registry_gc.prom");
        Files.writeString(file, "stale\n");
        metrics.record(PlanItem.Action.DELETE_BLOB, Outcome.DELETED, 64);

        MetricsExport.writeTextFile(registry, file);

        assertThat(Files.readString(file)).doesNotContain("stale").contains("registry_gc_reclaimed_bytes_total 64.0")
                .contains("# TYPE registry_gc_blobs_deleted_total counter");
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("registry_gc.prom");
        }
    }

    @Test
    void pushReplacesTheGroupOfTheStorageRootWithTheTextFormat() throws Exception {
        List<String> requests;
        try (RecordingHttpServer gateway = RecordingHttpServer.start()) {
            metrics.record(PlanItem.Action.DELETE_BLOB, Outcome.DELETED, 64);

            MetricsExport.push(registry, gateway.address("ops:s3c%2Bret+x"), "/var/lib/registry");
            requests = gateway.requests().stream()
                    .map(r -> r.method() + " " + r.rawPath() + " " + r.authorization() + "\n" + r.body()).toList();
        }
        assertThat(requests).hasSize(1);
        String root = Base64.getUrlEncoder().encodeToString("/var/lib/registry".getBytes(StandardCharsets.UTF_8));
        String basic = Base64.getEncoder().encodeToString("ops:s3c+ret+x".getBytes(StandardCharsets.UTF_8));
        assertThat(requests.get(0)).startsWith("PUT /metrics/job/registry-gc/storage_root@base64/" + root + " Basic " + basic)
                .contains("registry_gc_reclaimed_bytes_total 64.0");
    }

    @Test
    void pushToAGatewayThatIsNotThereFails() {
        assertThatThrownBy(() -> MetricsExport.push(registry, URI.create("http://127.0.0.1:1"), "/r"))
                .isInstanceOf(java.io.IOException.class);
        assertThatThrownBy(() -> MetricsExport.push(registry, URI.create("pushgateway:9091"), "/r"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
