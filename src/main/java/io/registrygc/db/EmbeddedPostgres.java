package io.registrygc.db;

import io.zonky.test.db.postgres.embedded.DefaultPostgresBinaryResolver;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A PostgreSQL server of our own, from the real binaries zonky publishes on Maven Central, with a
 * persistent data folder, for machines that have no PostgreSQL server configured.
 *
 * <p>We drive {@code initdb} and {@code pg_ctl} ourselves rather than through zonky's launcher:
 * PostgreSQL refuses to run as root, and as root we start it through {@code unshare -U}, where it
 * runs as an unprivileged user over the same files. A server already running on the data folder
 * (another run, or one left by a killed run) is reused, and then left running when we finish.
 *
 * <p>The server can start in the background ({@link #startInBackground}): its address is known at once, and the
 * job's Spring context, which needs no connection for most of its start, starts meanwhile (with the stop watched
 * more closely, a fifth of a second of every run on a 2-core machine).
 */
public final class EmbeddedPostgres implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgres.class);
    private static final String BINARIES_VERSION = "pg14";

    /** How often a stop is looked at (pg_ctl's own wait looks every 100 ms: up to a tenth of a second of every run). */
    private static final Duration POLL = Duration.ofMillis(10);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);

    private final Path home;
    private final Path dataDir;
    private final Path binDir;
    private final int port;
    private final boolean startedHere;
    /** Done when the server accepts connections; failed with the start's IOException. */
    private final CompletableFuture<Void> started;

    /** The last background start of this JVM: the next start waits for it, so two never race for one data folder. */
    private static CompletableFuture<Void> lastStart = CompletableFuture.completedFuture(null);

    private EmbeddedPostgres(Path home, Path dataDir, Path binDir, int port, boolean startedHere,
            CompletableFuture<Void> started) {
        this.home = home;
        this.dataDir = dataDir;
        this.binDir = binDir;
        this.port = port;
        this.startedHere = startedHere;
        this.started = started;
    }

    /** Starts (or joins) the server whose files live under {@code home}, and waits until it accepts connections. */
    public static EmbeddedPostgres start(Path home) throws IOException {
        EmbeddedPostgres server = startInBackground(home);
        server.awaitStarted();
        return server;
    }

    /**
     * Starts (or joins) the server whose files live under {@code home}; the start itself goes on in the background,
     * and {@link #awaitStarted} waits for it. Unpacking the binaries and creating the data folder (a first run) are
     * done before this returns.
     */
    public static synchronized EmbeddedPostgres startInBackground(Path home) throws IOException {
        lastStart.exceptionally(failure -> null).join();
        Files.createDirectories(home);
        Path binDir = extractBinaries(home.resolve(BINARIES_VERSION));
        Path dataDir = home.resolve("data");
        if (!Files.exists(dataDir.resolve("PG_VERSION"))) {
            initialise(binDir, dataDir, home);
        }
        Integer running = runningPort(binDir, dataDir);
        if (running != null) {
            log.info("using the embedded PostgreSQL already running on {} (port {})", dataDir, running);
            return new EmbeddedPostgres(home, dataDir, binDir, running, false, CompletableFuture.completedFuture(null));
        }
        int port = freePort();
        CompletableFuture<Void> started = new CompletableFuture<>();
        Thread starter = new Thread(() -> {
            try {
                run(binDir, List.of(binDir.resolve("bin/pg_ctl").toString(), "-D", dataDir.toString(), "-w", "-t", "120",
                        "-l", home.resolve("postgres.log").toString(),
                        // wal_level=minimal: nothing replicates this server, and so a table made and filled in one
                        // transaction (a run's plan, V20) is written once, not once more into the WAL
                        "-o", "-c listen_addresses=127.0.0.1 -c unix_socket_directories= -c port=" + port
                                + " -c fsync=on -c max_connections=50 -c wal_level=minimal -c max_wal_senders=0",
                        "start"), home);
                log.info("started embedded PostgreSQL on port {} with data in {}", port, dataDir);
                started.complete(null);
            } catch (IOException | RuntimeException e) {
                started.completeExceptionally(e);
            }
        }, "embedded-postgres-start");
        starter.setDaemon(true);
        starter.start();
        lastStart = started;
        return new EmbeddedPostgres(home, dataDir, binDir, port, true, started);
    }

    /** Waits until the server accepts connections; the start's own failure otherwise. */
    public void awaitStarted() throws IOException {
        try {
            started.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while the embedded PostgreSQL started", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException("the embedded PostgreSQL did not start: " + e.getCause(), e.getCause());
        }
    }

    /** The server's process from its pid file, or empty when there is no server. */
    private static Optional<ProcessHandle> serverProcess(Path pidFile) throws IOException {
        try {
            List<String> lines = Files.readAllLines(pidFile, StandardCharsets.UTF_8);
            return lines.isEmpty() ? Optional.empty() : ProcessHandle.of(Long.parseLong(lines.get(0).trim()));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (NumberFormatException e) {
            throw new IOException("unexpected " + pidFile + ": " + e.getMessage());
        }
    }

    private static void sleep(Duration duration) throws IOException {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
    }

    public String username() {
        return "postgres";
    }

    public Path dataDir() {
        return dataDir;
    }

    /** Stops the server if this process started it (after its start, even a failed one, has ended). */
    @Override
    public void close() {
        if (!startedHere) {
            return;
        }
        started.exceptionally(failure -> null).join();
        Path pidFile = dataDir.resolve("postmaster.pid");
        if (started.isCompletedExceptionally() && !Files.exists(pidFile)) {
            return; // it never came up
        }
        try {
            Optional<ProcessHandle> server = serverProcess(pidFile);
            run(binDir, List.of(binDir.resolve("bin/pg_ctl").toString(), "-D", dataDir.toString(), "-m", "fast", "-W",
                    "stop"), home);
            // as pg_ctl -w waits: until the server removed its pid file (last, after its shutdown checkpoint) or is gone
            long deadline = System.nanoTime() + STOP_TIMEOUT.toNanos();
            while (Files.exists(pidFile) && server.map(ProcessHandle::isAlive).orElse(false)) {
                if (System.nanoTime() > deadline) {
                    throw new IOException("it did not stop in " + STOP_TIMEOUT.toSeconds() + " s");
                }
                sleep(POLL);
            }
        } catch (IOException e) {
            log.warn("could not stop the embedded PostgreSQL: {}", e.getMessage());
        }
    }

    private static void initialise(Path binDir, Path dataDir, Path home) throws IOException {
        Path staging = home.resolve("data.initdb");
        deleteRecursively(staging);
        run(binDir, List.of(binDir.resolve("bin/initdb").toString(), "-A", "trust", "-U", "postgres", "-E", "UTF-8",
                "--locale=C", "-D", staging.toString()), home);
        Files.move(staging, dataDir, StandardCopyOption.ATOMIC_MOVE);
    }

    /** The port of a server already running on the data folder, or null. */
    private static Integer runningPort(Path binDir, Path dataDir) throws IOException {
        Path pidFile = dataDir.resolve("postmaster.pid");
        if (!Files.exists(pidFile)) {
            return null;
        }
        Process status = command(binDir, List.of(binDir.resolve("bin/pg_ctl").toString(), "-D", dataDir.toString(), "status"))
                .redirectErrorStream(true).start();
        try {
            status.getInputStream().readAllBytes();
            if (status.waitFor() != 0) {
                return null;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        List<String> lines = Files.readAllLines(pidFile, StandardCharsets.UTF_8);
        return lines.size() > 3 ? Integer.valueOf(lines.get(3).trim()) : null;
    }

    private static Path extractBinaries(Path target) throws IOException {
        if (Files.isExecutable(target.resolve("bin/pg_ctl"))) {
            return target;
        }
        Path staging = Files.createTempDirectory(target.getParent(), "pg-extract");
        try (InputStream archive = DefaultPostgresBinaryResolver.INSTANCE.getPgBinary("Linux", architecture());
             TarArchiveInputStream tar = new TarArchiveInputStream(new XZCompressorInputStream(archive))) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                Path out = staging.resolve(entry.getName()).normalize();
                if (!out.startsWith(staging)) {
                    throw new IOException("unsafe path in PostgreSQL archive: " + entry.getName());
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(out);
                } else if (entry.isSymbolicLink()) {
                    Files.createDirectories(out.getParent());
                    Files.createSymbolicLink(out, Path.of(entry.getLinkName()));
                } else {
                    Files.createDirectories(out.getParent());
                    Files.copy(tar, out, StandardCopyOption.REPLACE_EXISTING);
                    if ((entry.getMode() & 0100) != 0) {
                        Files.setPosixFilePermissions(out, PosixFilePermissions.fromString("rwxr-xr-x"));
                    }
                }
            }
        }
        try {
            Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            // another process extracted them first
            deleteRecursively(staging);
            if (!Files.isExecutable(target.resolve("bin/pg_ctl"))) {
                throw e;
            }
        }
        return target;
    }

    private static String architecture() {
        String arch = System.getProperty("os.arch");
        return switch (arch) {
            case "amd64", "x86_64" -> "x86_64";
            case "aarch64" -> "arm_64";
            default -> arch;
        };
    }

    private static void run(Path binDir, List<String> arguments, Path home) throws IOException {
        Path output = home.resolve("pg_ctl.out");
        Process process = command(binDir, arguments).redirectErrorStream(true)
                .redirectOutput(output.toFile()).start();
        try {
            if (!process.waitFor(180, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException(arguments.get(0) + " did not finish in 180 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        if (process.exitValue() != 0) {
            throw new IOException(Path.of(arguments.get(0)).getFileName() + " failed (exit " + process.exitValue() + "): "
                    + Files.readString(output) + "\n" + serverLogTail(home));
        }
    }

    private static String serverLogTail(Path home) throws IOException {
        Path serverLog = home.resolve("postgres.log");
        if (!Files.exists(serverLog)) {
            return "";
        }
        String server = Files.readString(serverLog);
        return server.substring(Math.max(0, server.length() - 2000));
    }

    /** PostgreSQL refuses root: as root, run it in a user namespace of its own as an unprivileged user. */
    private static ProcessBuilder command(Path binDir, List<String> arguments) {
        List<String> command = new ArrayList<>();
        if (isRoot()) {
            command.add("unshare");
            command.add("-U");
        }
        command.addAll(arguments);
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().put("LD_LIBRARY_PATH", binDir.resolve("lib").toString());
        builder.environment().put("LC_ALL", "C");
        return builder;
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (var walk = Files.walk(path)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
