package io.registrygc.e2e.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.atomic.AtomicInteger;

/** Working folders for end-to-end tests under {@code target/e2e/}, kept after the run for inspection. */
public final class E2eDirs {

    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

    private E2eDirs() {
    }

    /** {@code <basedir>/target/e2e}, where basedir is the Maven {@code basedir} property or the working directory. */
    public static Path root() {
        return Path.of(System.getProperty("basedir", ".")).toAbsolutePath().normalize().resolve("target").resolve("e2e");
    }

    /** Creates a fresh, unique folder {@code target/e2e/<name>-<timestamp>-<pid>-<n>}. */
    public static Path newWorkDir(String name) {
        String unique = name + "-" + LocalDateTime.now().format(STAMP) + "-" + ProcessHandle.current().pid()
                + "-" + COUNTER.incrementAndGet();
        try {
            return Files.createDirectories(root().resolve(unique));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
