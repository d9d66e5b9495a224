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
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * {@code bin/registry-gc}, as the README tells operators to run it, with the jar under a name of its own (as a release
 * is downloaded): the first run extracts it and archives the classes it loads, and a later run maps that archive. Runs
 * on the example storage (written by the real registry), dry, against the tests' database. On JDK 25 and later the
 * archive is an AOT cache, made once the first run is over, with none of the JVM's notes on stdout.
 */
class LauncherScriptIT {

    private static final Pattern JAVA_VERSION = Pattern.compile("(?m)^JAVA_VERSION=\"(\\d+)");

    @Test
    void aJarOfAnyNameIsExtractedOnceAndLaterRunsMapItsClassArchive() throws Exception {
        Path javaHome = Path.of(System.getProperty("java.home"));
        Assumptions.assumeTrue(majorVersion(javaHome) < 25, "the tests' JDK makes an AOT cache instead");
        Path cache = firstRunThenMappedByTheSecond(javaHome, "launcher");
        assertThat(cache.resolve("app.jsa")).as("the class archive the first run wrote").isRegularFile();
    }

    @Test
    void onJdk25AndLaterTheFirstRunLeavesAnAotCacheThatLaterRunsMap() throws Exception {
        Optional<Path> jdk = jdk25OrLater();
        Assumptions.assumeTrue(jdk.isPresent(), "no JDK 25 or later here (looked at the tests' own and /usr/lib/jvm)");
        Path cache = firstRunThenMappedByTheSecond(jdk.get(), "launcher-aot");
        assertThat(cache.resolve("app.aot")).as("the AOT cache made after the first run").isRegularFile();
        try (Stream<Path> files = Files.list(cache)) {
            assertThat(files.map(f -> f.getFileName().toString())).as("nothing half made left beside it")
                    .noneMatch(name -> name.contains(".aotconf") || name.startsWith("app.aot."));
        }
    }

    /** Runs the script twice on a JDK; returns the jar's folder of the first run. */
    private static Path firstRunThenMappedByTheSecond(Path javaHome, String name) throws Exception {
        Path work = E2eDirs.newWorkDir(name);
        Path jar = Files.copy(Path.of("target", "registry-gc.jar"), work.resolve("registry-gc-9.9.9-test.jar"));
        Path storage = work.resolve("storage");
        copyTree(Path.of("examples", "storage"), storage);
        Path home = work.resolve("home");

        Process first = launch(work, javaHome, jar, home, "", storage);
        assertThat(first.exitValue()).as(output(work)).isZero();
        assertThat(Files.readString(work.resolve("run.out"))).as("stdout: the command's output only")
                .startsWith("would delete").doesNotContain("AOT", "CDS", "archive");
        List<Path> caches;
        try (Stream<Path> folders = Files.list(home.resolve("jvm"))) {
            caches = folders.toList();
        }
        assertThat(caches).as("one folder for the one jar on the one JDK").hasSize(1);
        assertThat(caches.get(0).resolve("registry-gc.jar")).isRegularFile();

        Path classLog = work.resolve("classes.log");
        Process second = launch(work, javaHome, jar, home, "-Xlog:class+load=info:file=" + classLog, storage);
        assertThat(second.exitValue()).as(output(work)).isZero();
        String loaded;
        try (Stream<String> lines = Files.lines(classLog)) {
            loaded = String.join("\n", lines.filter(line -> line.contains("io.registrygc.cli.RegistryGcCommand ")).toList());
        }
        assertThat(loaded).as("the command's class, mapped from the archive").contains("shared objects file");
        return caches.get(0);
    }

    private static Optional<Path> jdk25OrLater() throws IOException {
        Path own = Path.of(System.getProperty("java.home"));
        if (majorVersion(own) >= 25) {
            return Optional.of(own);
        }
        Path installed = Path.of("/usr/lib/jvm");
        if (!Files.isDirectory(installed)) {
            return Optional.empty();
        }
        try (Stream<Path> homes = Files.list(installed)) {
            return homes.filter(home -> Files.isExecutable(home.resolve("bin/java")) && majorVersion(home) >= 25).findFirst();
        }
    }

    /** The JDK's feature version from its release file, 0 where it says none. */
    private static int majorVersion(Path javaHome) {
        try {
            Matcher version = JAVA_VERSION.matcher(Files.readString(javaHome.resolve("release")));
            return version.find() ? Integer.parseInt(version.group(1)) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    private static Process launch(Path work, Path javaHome, Path jar, Path home, String javaOptions, Path storage)
            throws Exception {
        ProcessBuilder builder = new ProcessBuilder("sh", "bin/registry-gc", "run", "--storage-root", storage.toString(),
                "--dry-run", "--min-age", "0", "--registry-offline")
                .redirectOutput(work.resolve("run.out").toFile()).redirectError(work.resolve("run.err").toFile());
        builder.environment().putAll(Map.of("REGISTRY_GC_JAR", jar.toString(), "REGISTRY_GC_HOME", home.toString(),
                "JAVA_OPTS", javaOptions, "JAVA_HOME", javaHome.toString(),
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
