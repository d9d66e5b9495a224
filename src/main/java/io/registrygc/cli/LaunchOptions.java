package io.registrygc.cli;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The options of a command that runs the job ({@code run}, {@code apply}): how it runs and what it writes after. */
class LaunchOptions {

    static final int MAX_THREADS = 256;

    @Option(names = "--abandon-unfinished",
            description = "Give up an unfinished run that has other options instead of refusing to start.")
    boolean abandonUnfinished;

    @Mixin
    DatabaseOptions database;

    @Option(names = "--report", paramLabel = "FILE",
            description = "After the run, write what 'show EXECUTION_ID --json' prints for its job execution to FILE.")
    Path report;

    @Option(names = "--report-html", paramLabel = "FILE",
            description = "After the run, write what 'show EXECUTION_ID --html FILE' writes: one self-contained HTML page.")
    Path reportHtml;

    @Option(names = "--progress-interval", paramLabel = "DURATION", defaultValue = "30s", converter = DurationConverter.class,
            description = "Log each step's progress (done, rate, time left) this often; 0 turns it off (default: ${DEFAULT-VALUE}).")
    Duration progressInterval;

    @Option(names = "--registry-offline",
            description = "The registry is stopped or read-only for the whole run, as its own garbage-collect requires:"
                    + " skip the looks for pushes made during the run, the grace before blob data and the content kept of"
                    + " manifests before their data goes (faster). Wrong while"
                    + " the registry accepts pushes: an image pushed during the run may lose blobs. Decided anew on a resume.")
    boolean registryOffline;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "16",
            description = "Partitions of the scan and of the blob sweep run on N threads (default: ${DEFAULT-VALUE}); sized for"
                    + " I/O, not for cores: many outstanding reads help a cold scan even on two cores. May change on a resume.")
    int threads;

    @Option(names = "--broker", paramLabel = "amqp://USER:PASS@HOST[:PORT][/VHOST]",
            defaultValue = "${env:REGISTRY_GC_BROKER}",
            description = "Run the partitions of the scan and of the deletions on remote workers ('registry-gc worker')"
                    + " through this RabbitMQ broker, instead of on local threads (env REGISTRY_GC_BROKER). Needs a database"
                    + " server the workers share (SPRING_DATASOURCE_URL).")
    String broker;

    @Option(names = "--worker-timeout", paramLabel = "DURATION", defaultValue = "5m", converter = DurationConverter.class,
            description = "With --broker: fail (exit 1) when partitions wait and no worker took one for this long"
                    + " (default: ${DEFAULT-VALUE}).")
    Duration workerTimeout;

    @Option(names = "--heartbeat-timeout", paramLabel = "DURATION", defaultValue = "30s", converter = DurationConverter.class,
            description = "With --broker: a worker whose partition's heartbeat is older than this is taken for dead; the run"
                    + " stops its other partitions and fails (exit 1), and the rerun resumes (default: ${DEFAULT-VALUE};"
                    + " workers beat every 5s).")
    Duration heartbeatTimeout;

    @Option(names = "--metrics-file", paramLabel = "FILE",
            description = "After the run, write its metrics in the Prometheus text format to FILE, atomically"
                    + " (for node exporter's textfile collector: a *.prom file in its directory).")
    Path metricsFile;

    @Option(names = "--metrics-push-gateway", paramLabel = "URL",
            description = "After the run, push its metrics to this Prometheus push gateway (http[s]://[user:pass@]host:port),"
                    + " grouped by job=registry-gc and storage_root.")
    URI pushGateway;
}
