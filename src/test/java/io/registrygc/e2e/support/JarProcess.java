package io.registrygc.e2e.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The packaged jar started as a real {@code java -jar} process, as a scheduler starts it. stdout (the summary)
 * and stderr (the logs) go to two files in {@code logDir}, so each can be checked on its own.
 *
 * <p>As {@code bin/registry-gc} starts it: the jar extracted once and the classes of a first run mapped from a class
 * data sharing archive. A start took 4.4 to 4.9 s instead of 7.7 to 8.2 s (and 5 CPU-s instead of 9) on a 2-core
 * machine, and the suite starts the jar 44 times, several at once. Where the archive cannot be made, the
 * plain {@code java -jar}.
 */
public final class JarProcess {

    /** The JVM's own notes to stderr, warnings only, as bin/registry-gc has them: stdout stays the command's. */
    private static final List<String> JVM_WARNINGS_TO_STDERR = List.of("-Xlog:disable", "-Xlog:all=warning:stderr");

    private static List<String> launch;

    private final Process process;
    private final Path stdout;
    private final Path stderr;

    private JarProcess(Process process, Path stdout, Path stderr) {
        this.process = process;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    /**
     * Starts {@code java [jvmOptions] -jar registry-gc.jar args...} with {@code environment} added to this one's. No
     * registry pushes during these runs unless a test says so: they wait no online grace unless {@code jvmOptions}
     * set one.
     */
    public static JarProcess start(Path logDir, List<String> jvmOptions, Map<String, String> environment, String... args)
            throws IOException {
        return startWrapped(List.of(), logDir, jvmOptions, environment, args);
    }

    /** The same, run through {@code wrapper} (e.g. {@code unshare -U}: a process without root's file permissions). */
    public static JarProcess startWrapped(List<String> wrapper, Path logDir, List<String> jvmOptions,
            Map<String, String> environment, String... args) throws IOException {
        List<String> command = new ArrayList<>(wrapper);
        command.add(java());
        // the client compiler only, as bin/registry-gc runs it: short runs start faster, and on 2 cores the
        // optimizing compiler of many processes at once takes the cores the tests wait on
        command.add("-XX:TieredStopAtLevel=1");
        if (jvmOptions.stream().noneMatch(option -> option.startsWith("-Dregistry-gc.online.grace="))) {
            command.add("-Dregistry-gc.online.grace=0s");
        }
        command.addAll(jvmOptions);
        command.addAll(launch());
        command.addAll(List.of(args));
        Path stdout = Files.createTempFile(logDir, "run", ".out");
        Path stderr = Path.of(stdout.toString().replaceFirst("\\.out$", ".err"));
        ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(stdout.toFile()).redirectError(stderr.toFile());
        builder.environment().putAll(environment);
        return new JarProcess(builder.start(), stdout, stderr);
    }

    public Process process() {
        return process;
    }

    public String stdout() throws IOException {
        return Files.readString(stdout);
    }

    public String stderr() throws IOException {
        return Files.readString(stderr);
    }

    /** Both streams, for assertion messages. */
    public String output() throws IOException {
        return "--- stdout\n" + stdout() + "--- stderr\n" + stderr();
    }

    /** The JVM options and jar that start registry-gc, made once per test JVM. */
    private static synchronized List<String> launch() {
        if (launch == null) {
            try {
                launch = archived();
            } catch (IOException | RuntimeException e) {
                System.err.println("JarProcess: no class data sharing archive (" + e + "): plain java -jar");
                launch = List.of("-jar", jar());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        return launch;
    }

    /**
     * The jar extracted (class data sharing cannot map classes out of nested jars) and the archive of a dry run on the
     * example storage with a database of its own, in a fresh folder under {@code target/e2e}.
     */
    private static List<String> archived() throws IOException, InterruptedException {
        Path jar = Path.of(jar()).toAbsolutePath();
        Path home = E2eDirs.newWorkDir("jvm");
        Path app = home.resolve("app").resolve(jar.getFileName());
        Path archive = home.resolve("app.jsa");
        Path log = home.resolve("prepare.log");
        run(log, Map.of(), java(), "-Djarmode=tools", "-jar", jar.toString(), "extract", "--destination",
                home.resolve("app").toString());
        Path storage = home.resolve("storage");
        StorageSnapshot.copyTree(Path.of(System.getProperty("basedir", ".")).resolve("examples").resolve("storage"), storage);
        List<String> training = new ArrayList<>(List.of(java(), "-XX:TieredStopAtLevel=1",
                "-XX:ArchiveClassesAtExit=" + archive, "-Dregistry-gc.online.grace=0s"));
        training.addAll(JVM_WARNINGS_TO_STDERR);
        training.addAll(List.of("-jar", app.toString(), "run", "--storage-root", storage.toString(), "--dry-run",
                "--min-age", "0", "--database-dir", home.resolve("database").toString()));
        run(log, Map.of("SPRING_DATASOURCE_URL", ""), training.toArray(String[]::new));
        if (!Files.isRegularFile(archive)) {
            throw new IOException("the training run wrote no archive (see " + log + ")");
        }
        List<String> mapped = new ArrayList<>(List.of("-XX:SharedArchiveFile=" + archive));
        mapped.addAll(JVM_WARNINGS_TO_STDERR);
        mapped.addAll(List.of("-jar", app.toString()));
        return List.copyOf(mapped);
    }

    private static void run(Path log, Map<String, String> environment, String... command)
            throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().putAll(environment);
        Process process = builder.start();
        if (!process.waitFor(3, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new IOException(String.join(" ", command) + ": did not end within 3 minutes");
        }
        if (process.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + ": exit " + process.exitValue() + " (see " + log + ")");
        }
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static String jar() {
        String jar = System.getProperty("registrygc.jar", "target/registry-gc.jar");
        assertThat(Path.of(jar)).as("the packaged jar (mvn package)").exists();
        return jar;
    }
}
