package io.registrygc.e2e.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The packaged jar started as a real {@code java -jar} process, as a scheduler starts it. stdout (the summary)
 * and stderr (the logs) go to two files in {@code logDir}, so each can be checked on its own.
 */
public final class JarProcess {

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
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // the client compiler only, as bin/registry-gc runs it: short runs start faster, and on 2 cores the
        // optimizing compiler of many processes at once takes the cores the tests wait on
        command.add("-XX:TieredStopAtLevel=1");
        if (jvmOptions.stream().noneMatch(option -> option.startsWith("-Dregistry-gc.online.grace="))) {
            command.add("-Dregistry-gc.online.grace=0s");
        }
        command.addAll(jvmOptions);
        command.addAll(List.of("-jar", jar()));
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

    private static String jar() {
        String jar = System.getProperty("registrygc.jar", "target/registry-gc.jar");
        assertThat(Path.of(jar)).as("the packaged jar (mvn package)").exists();
        return jar;
    }
}
