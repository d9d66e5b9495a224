package io.registrygc.testsupport;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Loads a local HTML file in headless Chromium: one run that takes a screenshot and dumps the DOM after scripts
 * ran (with a virtual time budget, so timers fire), and reports what the page wrote to its console.
 *
 * <p>With {@code --enable-logging=stderr}, Chromium logs every console message of a web page (any level:
 * {@code console.error}, {@code console.warn}, {@code console.log}) and every uncaught exception, unhandled
 * rejection and syntax error on stderr as
 * <pre>
 * [8584:8584:1128/152210.503008:INFO:CONSOLE:2] "my console error", source: file:///tmp/broken.html (2)
 * [8584:8584:1128/152210.503191:INFO:CONSOLE:3] "Uncaught ReferenceError: f is not defined", source: file:///tmp/broken.html (3)
 * </pre>
 * (Chromium 156; older versions wrote {@code INFO:CONSOLE(3)}). The severity is always INFO for web pages
 * (Chromium passes the real level through only for its own WebUI pages), so levels cannot be told apart: every
 * console message of the page counts as an error here. A report page logs nothing, so that is the strict check it
 * needs. A message with line breaks continues over several stderr lines up to the one ending in {@code ", source:
 * URL (LINE)}. Messages of Chromium's own pages ({@code chrome://} and the like) and all other stderr lines
 * (D-Bus, GPU, sandbox noise) are ignored.
 */
public final class HeadlessChromium {

    private static final List<String> NAMES = List.of("chromium", "chromium-browser", "google-chrome");
    private static final long TIMEOUT_SECONDS = 90;
    /** The start of a console line: {@code [pid:tid:date/time:INFO:CONSOLE:LINE] "} or {@code ...INFO:CONSOLE(LINE)] "}. */
    private static final Pattern CONSOLE_START = Pattern.compile("^\\[[^\\]]*:CONSOLE(?::\\d+|\\(\\d+\\))?\\] \"");
    /** The end of a console message: {@code ", source: URL (LINE)}. */
    private static final Pattern CONSOLE_END = Pattern.compile("\", source: (.*?) \\((\\d+)\\)$");
    /** Any Chromium log line: {@code [pid:tid:...]}. */
    private static final Pattern LOG_LINE = Pattern.compile("^\\[\\d+:\\d+:");
    private static final List<String> INTERNAL_SOURCES = List.of("chrome:", "chrome-untrusted:", "chrome-extension:",
            "devtools:", "chrome-search:");

    /** What the page came to: its DOM after scripts ran, and its console messages ({@code MESSAGE (SOURCE:LINE)}). */
    public record Page(String dom, List<String> consoleErrors) {
        public Page {
            consoleErrors = List.copyOf(consoleErrors);
        }
    }

    private HeadlessChromium() {
    }

    /** The first of {@code chromium}, {@code chromium-browser}, {@code google-chrome} on the PATH. */
    public static Optional<Path> executable() {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String name : NAMES) {
            for (String directory : path.split(Pattern.quote(File.pathSeparator))) {
                if (directory.isEmpty()) {
                    continue;
                }
                Path candidate = Path.of(directory, name);
                if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                    return Optional.of(candidate);
                }
            }
        }
        return Optional.empty();
    }

    public static boolean available() {
        return executable().isPresent();
    }

    /**
     * Chromium tests are skipped where no Chromium is installed, except with {@code REGISTRY_GC_REQUIRE_E2E=true},
     * where a missing Chromium fails them.
     */
    public static void requireChromium() {
        if (available()) {
            return;
        }
        String message = "no chromium, chromium-browser or google-chrome on the PATH (apt-get install chromium)";
        if ("true".equalsIgnoreCase(System.getenv("REGISTRY_GC_REQUIRE_E2E"))) {
            throw new AssertionError(message + "; REGISTRY_GC_REQUIRE_E2E=true requires the browser tests to run");
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(false, message + ": browser test skipped");
    }

    /**
     * Loads {@code html} (a local file) at 1280x2000, writes a PNG screenshot of the viewport to {@code screenshot},
     * and returns the DOM after scripts ran and the page's console messages. Fails when Chromium fails, times out
     * or writes no screenshot; the exception carries the end of its stderr.
     */
    public static Page load(Path html, Path screenshot) throws IOException, InterruptedException {
        Path chromium = executable().orElseThrow(() -> new IllegalStateException("no Chromium on the PATH"));
        Path shot = screenshot.toAbsolutePath();
        Files.createDirectories(shot.getParent());
        Files.deleteIfExists(shot);
        Path work = Files.createTempDirectory("headless-chromium");
        try {
            Path stdout = work.resolve("stdout.html");
            Path stderr = work.resolve("stderr.log");
            List<String> command = List.of(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                    "--enable-logging=stderr", "--v=0", "--no-first-run", "--no-default-browser-check",
                    "--user-data-dir=" + work.resolve("profile"), "--virtual-time-budget=3000",
                    "--window-size=1280,2000", "--screenshot=" + shot, "--dump-dom",
                    html.toAbsolutePath().toUri().toString());
            Process process = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
                throw new IOException("chromium did not finish within " + TIMEOUT_SECONDS + "s; stderr ends:\n"
                        + tail(stderr));
            }
            String log = Files.readString(stderr, StandardCharsets.UTF_8);
            if (process.exitValue() != 0) {
                throw new IOException("chromium exited with " + process.exitValue() + "; stderr ends:\n" + tail(stderr));
            }
            if (!Files.isRegularFile(shot) || Files.size(shot) == 0) {
                throw new IOException("chromium wrote no screenshot to " + shot + "; stderr ends:\n" + tail(stderr));
            }
            return new Page(Files.readString(stdout, StandardCharsets.UTF_8), consoleErrors(log));
        } finally {
            deleteTree(work);
        }
    }

    /**
     * The page console messages in Chromium's stderr, each as {@code MESSAGE (SOURCE:LINE)}, in order; messages
     * from Chromium's own pages are left out.
     */
    public static List<String> consoleErrors(String stderr) {
        List<String> found = new ArrayList<>();
        String[] lines = stderr.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            Matcher start = CONSOLE_START.matcher(lines[i]);
            if (!start.find()) {
                continue;
            }
            StringBuilder message = new StringBuilder(lines[i].substring(start.end()));
            Matcher end = CONSOLE_END.matcher(message);
            // a multi-line message goes on until its "source:" line, or stops at the next log line
            while (!end.find() && i + 1 < lines.length && !LOG_LINE.matcher(lines[i + 1]).find()) {
                message.append('\n').append(lines[++i]);
                end = CONSOLE_END.matcher(message);
            }
            String source = "";
            String text = message.toString();
            if (end.find(0)) {
                source = end.group(1) + ":" + end.group(2);
                text = message.substring(0, end.start());
            }
            if (!internal(source)) {
                found.add(source.isEmpty() ? text : text + " (" + source + ")");
            }
        }
        return found;
    }

    private static boolean internal(String source) {
        return INTERNAL_SOURCES.stream().anyMatch(source::startsWith);
    }

    private static String tail(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            return "";
        }
        String text = Files.readString(file, StandardCharsets.UTF_8);
        return text.length() <= 4000 ? text : text.substring(text.length() - 4000);
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException | java.io.UncheckedIOException e) {
            // a profile file still held by a lingering Chromium helper: leave the temp directory behind
        }
    }
}
