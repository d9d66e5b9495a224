package io.registrygc.e2e.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real S3 server for the tests: s3proxy with its {@code filesystem-nio2} backend (a bucket is a folder, an object a
 * file under it, so a storage it holds can also be looked at as files). It runs as its own process, from the
 * self-contained jar Maven copies into {@code target/s3proxy} (its dependencies clash with ours), on a loopback port,
 * with fixed keys.
 */
public final class S3Server implements AutoCloseable {

    public static final String ACCESS_KEY = "registry-gc-test";
    public static final String SECRET_KEY = "registry-gc-test-secret";
    public static final String BUCKET = "registry";
    private static final Path JAR = Path.of(System.getProperty("registrygc.s3proxy.jar", "target/s3proxy/s3proxy.jar"));
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private final Path data;
    private final Path log;
    private final int port;
    private final Process process;

    private S3Server(Path data, Path log, int port, Process process) {
        this.data = data;
        this.log = log;
        this.port = port;
        this.process = process;
    }

    /** s3proxy's jar is copied by Maven's pre-integration-test phase; where it is missing the test is skipped. */
    public static void requireS3Proxy() {
        if (Files.isRegularFile(JAR)) {
            return;
        }
        String message = JAR + " is missing (mvn verify copies it)";
        if ("true".equalsIgnoreCase(System.getenv("REGISTRY_GC_REQUIRE_E2E"))) {
            throw new IllegalStateException(message + "; end-to-end tests must run here");
        }
        org.junit.jupiter.api.Assumptions.abort(message + ": S3 test skipped");
    }

    /** Starts s3proxy keeping its buckets under {@code work/s3}, with the bucket {@link #BUCKET}. */
    public static S3Server start(Path work) {
        requireS3Proxy();
        try {
            Path data = work.resolve("s3").toAbsolutePath();
            Files.createDirectories(data.resolve(BUCKET));
            int port = freePort();
            Path properties = work.resolve("s3proxy.properties");
            Files.writeString(properties, String.join("\n",
                    "s3proxy.endpoint=http://127.0.0.1:" + port,
                    "s3proxy.authorization=aws-v2-or-v4",
                    "s3proxy.identity=" + ACCESS_KEY,
                    "s3proxy.credential=" + SECRET_KEY,
                    "jclouds.provider=filesystem-nio2",
                    "jclouds.filesystem.basedir=" + data,
                    ""), StandardCharsets.UTF_8);
            Path log = work.resolve("s3proxy.log");
            Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx512m", "-jar", JAR.toAbsolutePath().toString(), "--properties", properties.toString())
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            S3Server server = new S3Server(data, log, port, process);
            server.awaitPort();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    /** The folder of a bucket: its objects as files. */
    public Path bucketFolder() {
        return data.resolve(BUCKET);
    }

    /** The storage section of a registry's config for this server, the storage under {@code rootDirectory}. */
    public String registryStorageYaml(String rootDirectory) {
        return String.join("\n",
                "  s3:",
                "    accesskey: " + ACCESS_KEY,
                "    secretkey: " + SECRET_KEY,
                "    region: us-east-1",
                "    regionendpoint: " + endpoint(),
                "    bucket: " + BUCKET,
                "    rootdirectory: " + rootDirectory,
                "    secure: false",
                "    v4auth: true",
                "");
    }

    /** The environment that reaches this server through the standard AWS variables. */
    public List<String> awsEnvironment() {
        return List.of("AWS_ENDPOINT_URL_S3=" + endpoint(), "AWS_REGION=us-east-1",
                "AWS_ACCESS_KEY_ID=" + ACCESS_KEY, "AWS_SECRET_ACCESS_KEY=" + SECRET_KEY);
    }

    private void awaitPort() throws IOException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("s3proxy exited during start-up:\n" + Files.readString(log));
            }
            try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
                return;
            } catch (IOException notYet) {
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
        }
        process.destroyForcibly();
        throw new IllegalStateException("s3proxy did not listen on " + port + " within " + START_TIMEOUT + ":\n"
                + Files.readString(log));
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
