package io.registrygc.monitor;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.exporter.pushgateway.Format;
import io.prometheus.metrics.exporter.pushgateway.PushGateway;
import io.prometheus.metrics.exporter.pushgateway.Scheme;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * A batch job has no long-lived endpoint to scrape, so its metrics leave at the end of the run: as a file
 * for node exporter's textfile collector, or pushed to a Prometheus push gateway.
 */
public final class MetricsExport {

    public static final String JOB = "registry-gc";

    private MetricsExport() {
    }

    /**
     * Writes the Prometheus text format next to {@code file} and renames it into place, so the collector
     * never reads a half-written file (it must end in {@code .prom} for node exporter to pick it up).
     */
    public static void writeTextFile(PrometheusMeterRegistry registry, Path file) throws IOException {
        Path target = file.toAbsolutePath();
        Path temporary = target.resolveSibling("." + target.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
        try {
            try (OutputStream out = Files.newOutputStream(temporary)) {
                registry.scrape(out);
            }
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    /** Refuses an address the push would fail on, so a typo is found before the run, not after it. */
    public static void checkGatewayAddress(URI gateway) {
        String scheme = gateway.getScheme() == null ? "" : gateway.getScheme().toLowerCase(java.util.Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || gateway.getHost() == null
                || !(gateway.getRawPath() == null || gateway.getRawPath().isEmpty() || gateway.getRawPath().equals("/"))) {
            throw new IllegalArgumentException("--metrics-push-gateway must look like http[s]://[user:password@]host:port: "
                    + gateway);
        }
    }

    /**
     * Replaces the metrics of the group {job="registry-gc", storage_root=ROOT} on the push gateway at
     * {@code gateway} ({@code http[s]://[user:password@]host:port}).
     */
    public static void push(PrometheusMeterRegistry registry, URI gateway, String storageRoot) throws IOException {
        checkGatewayAddress(gateway);
        int port = gateway.getPort() == -1 ? ("https".equalsIgnoreCase(gateway.getScheme()) ? 443 : 80) : gateway.getPort();
        PushGateway.Builder builder = PushGateway.builder()
                .format(Format.PROMETHEUS_TEXT)
                .scheme("https".equalsIgnoreCase(gateway.getScheme()) ? Scheme.HTTPS : Scheme.HTTP)
                .address(gateway.getHost() + ":" + port)
                .job(JOB)
                .groupingKey("storage_root", storageRoot)
                .registry(registry.getPrometheusRegistry());
        String userInfo = gateway.getUserInfo(); // percent-decoded; a '+' stays a '+'
        if (userInfo != null) {
            int colon = userInfo.indexOf(':');
            builder.basicAuth(colon < 0 ? userInfo : userInfo.substring(0, colon), colon < 0 ? "" : userInfo.substring(colon + 1));
        }
        builder.build().push();
    }
}
