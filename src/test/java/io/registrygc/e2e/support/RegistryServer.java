package io.registrygc.e2e.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A real CNCF Distribution registry ({@code docker-registry serve}) on filesystem storage, listening on
 * {@code 127.0.0.1:<free port>}, without auth. Writes {@code config.yml} and {@code registry.log} into its
 * config folder (by default the parent of the storage root).
 */
public final class RegistryServer implements AutoCloseable {

    /** Path of the registry binary; override with system property {@code registry.binary}. */
    public static final Path BINARY = Path.of(System.getProperty("registry.binary", "/usr/bin/docker-registry"));

    private static final Duration START_TIMEOUT = Duration.ofSeconds(20);
    private static final Duration STOP_GRACE = Duration.ofSeconds(10);
    private static final Duration GC_TIMEOUT = Duration.ofMinutes(5);

    /** Registries still running when the JVM exits are killed, so none outlive a test run. */
    private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(Process::destroyForcibly),
                "registry-server-reaper"));
    }

    private final Path storageRoot;
    private final Path configFile;
    private final Path logFile;
    private final int port;
    private final URI baseUri;
    /** The logrus formatter (text or json) and level of the registry's log. */
    private String logFormatter = "text";
    private String logLevel = "warn";
    private boolean blobDescriptorCache = true;
    /** The storage driver section of the config (null: the filesystem driver on storageRoot). */
    private String storageDriverYaml;
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2))
            .build();
    private Process process;

    private RegistryServer(Path storageRoot, Path configDir, int port) {
        this.storageRoot = storageRoot;
        this.configFile = configDir.resolve("config.yml");
        this.logFile = configDir.resolve("registry.log");
        this.port = port;
        this.baseUri = URI.create("http://127.0.0.1:" + port + "/");
    }

    /** True when the registry binary exists and is executable. */
    public static boolean available() {
        return Files.isRegularFile(BINARY) && Files.isExecutable(BINARY);
    }

    /**
     * End-to-end tests need the real registry. Where it is not installed they are skipped (a machine with
     * only a JDK and Maven), except in CI ({@code CI=true}) or with {@code REGISTRY_GC_REQUIRE_E2E=true},
     * where a missing registry fails them: there they must run.
     */
    public static void requireRegistry() {
        if (available()) {
            return;
        }
        boolean required = "true".equalsIgnoreCase(System.getenv("CI"))
                || "true".equalsIgnoreCase(System.getenv("REGISTRY_GC_REQUIRE_E2E"));
        String message = BINARY + " is not installed (apt-get install docker-registry)";
        if (required) {
            throw new IllegalStateException(message + "; end-to-end tests must run here");
        }
        org.junit.jupiter.api.Assumptions.abort(message + ": end-to-end test skipped");
    }

    /** Starts a registry on {@code storageRoot}, its config and log beside it in {@code storageRoot.getParent()}. */
    public static RegistryServer start(Path storageRoot) {
        Path abs = storageRoot.toAbsolutePath().normalize();
        return start(abs, abs.getParent());
    }

    /**
     * Starts a registry set up as it must be for a collection while it runs: without the blob descriptor cache,
     * which would go on answering that a collected blob exists (and accept manifests that name it).
     */
    public static RegistryServer startForOnlineCollection(Path storageRoot) {
        Path abs = storageRoot.toAbsolutePath().normalize();
        return start(abs, abs.getParent(), "text", "warn", false);
    }

    /**
     * Starts a registry whose log (in {@code configDir}) records every request at level info, with the given logrus
     * formatter ({@code text} or {@code json}): what operators feed to {@code --pull-log}.
     */
    public static RegistryServer startLogging(Path storageRoot, Path configDir, String formatter) {
        return start(storageRoot, configDir, formatter, "info");
    }

    /**
     * Starts a registry whose storage is on S3 ({@code s3}'s bucket, under {@code rootDirectory}), written through the
     * registry's own S3 driver; its config and log in {@code configDir}. {@link #storageRoot()} is then the folder
     * where s3proxy keeps that storage's objects as files.
     */
    public static RegistryServer startOnS3(S3Server s3, String rootDirectory, Path configDir) {
        requireRegistry();
        Path dir = configDir.toAbsolutePath().normalize();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        RegistryServer server = new RegistryServer(s3.bucketFolder().resolve(rootDirectory.replaceFirst("^/+", "")), dir, freePort());
        server.storageDriverYaml = s3.registryStorageYaml(rootDirectory);
        server.writeConfig();
        server.launch();
        return server;
    }

    /** Starts a registry on {@code storageRoot} with its config and log in {@code configDir}. */
    public static RegistryServer start(Path storageRoot, Path configDir) {
        return start(storageRoot, configDir, "text", "warn");
    }

    private static RegistryServer start(Path storageRoot, Path configDir, String formatter, String level) {
        return start(storageRoot, configDir, formatter, level, true);
    }

    private static RegistryServer start(Path storageRoot, Path configDir, String formatter, String level,
            boolean blobDescriptorCache) {
        requireRegistry();
        Path root = storageRoot.toAbsolutePath().normalize();
        Path dir = configDir.toAbsolutePath().normalize();
        try {
            Files.createDirectories(root);
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        RegistryServer server = new RegistryServer(root, dir, freePort());
        server.logFormatter = formatter;
        server.logLevel = level;
        server.blobDescriptorCache = blobDescriptorCache;
        server.writeConfig();
        server.launch();
        return server;
    }

    public URI baseUri() {
        return baseUri;
    }

    public int port() {
        return port;
    }

    public Path configFile() {
        return configFile;
    }

    public Path logFile() {
        return logFile;
    }

    public Path storageRoot() {
        return storageRoot;
    }

    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** Stops the registry: SIGTERM, then SIGKILL after a grace period; waits for the process to end. */
    public synchronized void stop() {
        Process p = process;
        process = null;
        if (p == null) {
            return;
        }
        try {
            if (p.isAlive()) {
                p.destroy();
                if (!p.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
                    p.destroyForcibly();
                    p.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
                }
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        } finally {
            LIVE.remove(p);
        }
    }

    /** Stops and starts again on the same port and config. */
    public synchronized void restart() {
        stop();
        launch();
    }

    @Override
    public void close() {
        stop();
    }

    /** The last {@code maxChars} characters of the registry's log. */
    public String logTail(int maxChars) {
        return tail(logFile, maxChars);
    }

    /**
     * Runs the reference collector {@code docker-registry garbage-collect [--dry-run] [--delete-untagged] config}.
     * The registry using that storage should be stopped first.
     */
    public static GcResult garbageCollect(Path config, boolean dryRun, boolean deleteUntagged) {
        List<String> cmd = new ArrayList<>();
        cmd.add(BINARY.toString());
        cmd.add("garbage-collect");
        if (dryRun) {
            cmd.add("--dry-run");
        }
        if (deleteUntagged) {
            cmd.add("--delete-untagged");
        }
        cmd.add(config.toAbsolutePath().toString());
        Process p = null;
        try {
            Path out = Files.createTempFile("registry-gc-peer", ".log");
            try {
                ProcessBuilder builder = new ProcessBuilder(cmd);
                builder.environment().remove("AWS_CA_BUNDLE");
                p = builder.redirectErrorStream(true)
                        .redirectOutput(out.toFile())
                        .redirectInput(ProcessBuilder.Redirect.from(nullFile()))
                        .start();
                if (!p.waitFor(GC_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                    p.destroyForcibly();
                    p.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
                    throw new AssertionError("docker-registry garbage-collect did not finish within " + GC_TIMEOUT
                            + ":\n" + Files.readString(out, StandardCharsets.UTF_8));
                }
                return new GcResult(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            if (p != null) {
                p.destroyForcibly();
            }
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running garbage-collect", e);
        }
    }

    /** Runs the reference collector on this server's config (stop the server first). */
    public GcResult garbageCollect(boolean dryRun, boolean deleteUntagged) {
        return garbageCollect(configFile, dryRun, deleteUntagged);
    }

    private void writeConfig() {
        String yaml = """
                version: 0.1
                log:
                  level: %s
                  formatter: %s
                storage:
                %s
                  delete:
                    enabled: true
                %s  redirect:
                    disable: true
                  maintenance:
                    uploadpurging:
                      enabled: false
                http:
                  addr: 127.0.0.1:%d
                  secret: registry-gc-e2e-harness-secret
                  headers:
                    X-Content-Type-Options: [nosniff]
                """.formatted(logLevel, logFormatter,
                storageDriverYaml != null ? storageDriverYaml.stripTrailing()
                        : "  filesystem:\n    rootdirectory: \"" + storageRoot.toString().replace("\\", "\\\\").replace("\"", "\\\"") + "\"",
                blobDescriptorCache ? "  cache:\n    blobdescriptor: inmemory\n" : "", port);
        try {
            Files.writeString(configFile, yaml, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private synchronized void launch() {
        if (!available()) {
            throw new IllegalStateException("registry binary not found or not executable: " + BINARY);
        }
        try {
            Files.writeString(logFile, "---- starting " + BINARY + " serve " + configFile + "\n",
                    StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.APPEND);
            ProcessBuilder builder = new ProcessBuilder(BINARY.toString(), "serve", configFile.toString());
            // the registry's S3 driver panics at start when AWS_CA_BUNDLE is set (this environment sets it)
            builder.environment().remove("AWS_CA_BUNDLE");
            process = builder
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(nullFile()))
                    .start();
            LIVE.add(process);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        awaitReady();
    }

    private void awaitReady() {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        String last = "no answer yet";
        HttpRequest ping = HttpRequest.newBuilder(baseUri.resolve("/v2/")).timeout(Duration.ofSeconds(2)).GET().build();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                int code = process.exitValue();
                stop();
                throw new IllegalStateException("registry exited with status " + code + " during start-up; log tail:\n"
                        + logTail(4000));
            }
            try {
                HttpResponse<String> r = http.send(ping, HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
                last = "HTTP " + r.statusCode() + " " + r.body();
            } catch (IOException e) {
                last = e.toString();
            } catch (InterruptedException e) {
                stop();
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the registry", e);
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                stop();
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the registry", e);
            }
        }
        stop();
        throw new IllegalStateException("registry did not answer 200 on " + baseUri.resolve("/v2/") + " within "
                + START_TIMEOUT + " (last: " + last + "); log tail:\n" + logTail(4000));
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static java.io.File nullFile() {
        return new java.io.File(System.getProperty("os.name").startsWith("Windows") ? "NUL" : "/dev/null");
    }

    private static String tail(Path file, int maxChars) {
        if (!Files.isRegularFile(file)) {
            return "(no log at " + file + ")";
        }
        try (InputStream in = Files.newInputStream(file)) {
            long size = Files.size(file);
            long skip = Math.max(0, size - maxChars);
            in.skipNBytes(skip);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(could not read " + file + ": " + e + ")";
        }
    }

    @Override
    public String toString() {
        return "RegistryServer[" + baseUri + ", storage=" + storageRoot + "]";
    }
}
