package io.registrygc.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.registrygc.e2e.support.E2eDirs;
import io.registrygc.testsupport.TestDatabase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * {@code bin/registry-gc}, as the README tells operators to run it, with the jar under a name of its own (as a release
 * is downloaded): the first run extracts it and archives the classes it loads, and a later run maps that archive. Runs
 * on the example storage (written by the real registry), dry, against the tests' database.
 */
class LauncherScriptIT {

    @Test
    void aJarOfAnyNameIsExtractedOnceAndLaterRunsMapItsClassArchive() throws Exception {
        Path work = E2eDirs.newWorkDir("launcher");
        Path jar = Files.copy(Path.of("target", "registry-gc.jar"), work.resolve("registry-gc-9.9.9-test.jar"));
        Path storage = work.resolve("storage");
        copyTree(Path.of("examples", "storage"), storage);
        Path home = work.resolve("home");

        Process first = launch(work, jar, home, "", storage);
        assertThat(first.exitValue()).as(output(work)).isZero();
        List<Path> caches;
        try (Stream<Path> folders = Files.list(home.resolve("jvm"))) {
            caches = folders.toList();
        }
        assertThat(caches).as("one folder for the one jar").hasSize(1);
        assertThat(caches.get(0).resolve("registry-gc.jar")).isRegularFile();
        assertThat(caches.get(0).resolve("app.jsa")).as("the class archive the first run wrote").isRegularFile();

        Path classLog = work.resolve("classes.log");
        Process second = launch(work, jar, home, "-Xlog:class+load=info:file=" + classLog, storage);
        assertThat(second.exitValue()).as(output(work)).isZero();
        String loaded;
        try (Stream<String> lines = Files.lines(classLog)) {
            loaded = String.join("\n", lines.filter(line -> line.contains("io.registrygc.cli.RegistryGcCommand ")).toList());
        }
        assertThat(loaded).as("the command's class, mapped from the archive").contains("shared objects file");
    }

    private static Process launch(Path work, Path jar, Path home, String javaOptions, Path storage) throws Exception {
        ProcessBuilder builder = new ProcessBuilder("sh", "bin/registry-gc", "run", "--storage-root", storage.toString(),
                "--dry-run", "--min-age", "0", "--registry-offline")
                .redirectOutput(work.resolve("run.out").toFile()).redirectError(work.resolve("run.err").toFile());
        builder.environment().putAll(Map.of("REGISTRY_GC_JAR", jar.toString(), "REGISTRY_GC_HOME", home.toString(),
                "JAVA_OPTS", javaOptions, "JAVA_HOME", System.getProperty("java.home"),
                "SPRING_DATASOURCE_URL", TestDatabase.get().url(),
                "SPRING_DATASOURCE_USERNAME", String.valueOf(System.getProperty("spring.datasource.username", "")),
                "SPRING_DATASOURCE_PASSWORD", String.valueOf(System.getProperty("spring.datasource.password", ""))));
        Process process = builder.start();
        assertThat(process.waitFor(180, TimeUnit.SECONDS)).as("the run ends").isTrue();
        return process;
    }

    private static String output(Path work) throws IOException {
        return Files.readString(work.resolve("run.out")) + "\n" + Files.readString(work.resolve("run.err"));
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path path : paths.toList()) {
                Path target = to.resolve(from.relativize(path).toString());
                if (Files.isDirectory(path)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(path, target);
                }
            }
        }
    }
}
