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
import java.util.ArrayList;
import java.util.List;
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
 */
public final class EmbeddedPostgres implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgres.class);
    private static final String BINARIES_VERSION = "pg14";

    private final Path home;
    private final Path dataDir;
    private final Path binDir;
    private final int port;
    private final boolean startedHere;

    private EmbeddedPostgres(Path home, Path dataDir, Path binDir, int port, boolean startedHere) {
        this.home = home;
        this.dataDir = dataDir;
        this.binDir = binDir;
        this.port = port;
        this.startedHere = startedHere;
    }

    /** Starts (or joins) the server whose files live under {@code home}. */
    public static synchronized EmbeddedPostgres start(Path home) throws IOException {
        Files.createDirectories(home);
        Path binDir = extractBinaries(home.resolve(BINARIES_VERSION));
        Path dataDir = home.resolve("data");
        if (!Files.exists(dataDir.resolve("PG_VERSION"))) {
            initialise(binDir, dataDir, home);
        }
        Integer running = runningPort(binDir, dataDir);
        if (running != null) {
            log.info("using the embedded PostgreSQL already running on {} (port {})", dataDir, running);
            return new EmbeddedPostgres(home, dataDir, binDir, running, false);
        }
        int port = freePort();
        run(binDir, List.of(binDir.resolve("bin/pg_ctl").toString(), "-D", dataDir.toString(), "-w", "-t", "120",
                "-l", home.resolve("postgres.log").toString(),
                "-o", "-c listen_addresses=127.0.0.1 -c unix_socket_directories= -c port=" + port
                        + " -c fsync=on -c max_connections=50",
                "start"), home);
        log.info("started embedded PostgreSQL on port {} with data in {}", port, dataDir);
        return new EmbeddedPostgres(home, dataDir, binDir, port, true);
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

    @Override
    public void close() {
        if (!startedHere) {
            return;
        }
        try {
            run(binDir, List.of(binDir.resolve("bin/pg_ctl").toString(), "-D", dataDir.toString(), "-m", "fast", "-w",
                    "-t", "60", "stop"), home);
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
            String log = Files.readString(output);
            Path serverLog = home.resolve("postgres.log");
            if (Files.exists(serverLog)) {
                String server = Files.readString(serverLog);
                log += "\n" + server.substring(Math.max(0, server.length() - 2000));
            }
            throw new IOException(Path.of(arguments.get(0)).getFileName() + " failed (exit " + process.exitValue() + "): " + log);
        }
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
