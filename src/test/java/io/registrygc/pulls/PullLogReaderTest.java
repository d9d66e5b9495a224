package io.registrygc.pulls;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.zip.GZIPOutputStream;

import static io.registrygc.pulls.PullLogLineTest.ACCESS_GET_TAG;
import static io.registrygc.pulls.PullLogLineTest.ACCESS_HEAD_TAG;
import static io.registrygc.pulls.PullLogLineTest.JSON_GET_TAG;
import static io.registrygc.pulls.PullLogLineTest.TEXT_404;
import static io.registrygc.pulls.PullLogLineTest.TEXT_GET_DIGEST;
import static io.registrygc.pulls.PullLogLineTest.TEXT_GET_TAG;
import static io.registrygc.pulls.PullLogLineTest.TEXT_PUT;
import static io.registrygc.pulls.PullLogLineTest.TEXT_STARTUP;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PullLogReaderTest {

    @TempDir
    Path dir;

    private final PullLogReader reader = new PullLogReader();
    private final List<PullAt> pulls = new ArrayList<>();

    private ReadResult read(Path file, Optional<LogPosition> previous) throws IOException {
        pulls.clear();
        return reader.read(file, previous, pulls::add);
    }

    private List<Long> pullLines() {
        return pulls.stream().map(PullAt::line).toList();
    }

    private static String lines(String... lines) {
        return String.join("\n", lines) + "\n";
    }

    private static void append(Path file, String text) throws IOException {
        Files.writeString(file, text, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    private static byte[] gzip(String text) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(bytes)) {
            out.write(text.getBytes(StandardCharsets.UTF_8));
        }
        return bytes.toByteArray();
    }

    @Test
    void readsEveryKindOfLineAndCountsThem() throws IOException {
        Path log = dir.resolve("registry.log");
        Files.writeString(log, lines(TEXT_STARTUP, TEXT_PUT, TEXT_GET_TAG, ACCESS_GET_TAG, TEXT_GET_DIGEST, TEXT_404,
                JSON_GET_TAG, "garbage"));

        ReadResult result = read(log, Optional.empty());

        assertThat(result.start()).isEqualTo(ReadResult.Start.NEW);
        assertThat(result.lines()).isEqualTo(8);
        assertThat(result.pulls()).isEqualTo(4);
        assertThat(result.registryLines()).isEqualTo(3);
        assertThat(result.malformedLines()).isEqualTo(1);
        assertThat(result.warnings()).singleElement().asString().contains(log.toString()).contains("line 8");
        assertThat(pullLines()).containsExactly(3L, 4L, 5L, 7L);
        assertThat(pulls.get(0).source()).isEqualTo(log + ":3");
        assertThat(pulls.get(2).pull().isDigest()).isTrue();
        assertThat(result.position().offset()).isEqualTo(Files.size(log));
        assertThat(result.position().lines()).isEqualTo(8);
    }

    @Test
    void aSecondReadContinuesWithTheAppendedLines() throws IOException {
        Path log = dir.resolve("registry.log");
        Files.writeString(log, lines(TEXT_STARTUP, TEXT_GET_TAG));
        ReadResult first = read(log, Optional.empty());
        assertThat(pullLines()).containsExactly(2L);

        append(log, lines(TEXT_PUT, ACCESS_HEAD_TAG, JSON_GET_TAG));
        ReadResult second = read(log, Optional.of(first.position()));

        assertThat(second.start()).isEqualTo(ReadResult.Start.CONTINUED);
        assertThat(second.lines()).isEqualTo(3);
        assertThat(pullLines()).containsExactly(4L, 5L);
        assertThat(pulls.get(0).pull().method()).isEqualTo("HEAD");
        assertThat(second.warnings()).isEmpty();

        ReadResult third = read(log, Optional.of(second.position()));
        assertThat(third.start()).isEqualTo(ReadResult.Start.CONTINUED);
        assertThat(third.lines()).isZero();
        assertThat(third.position()).isEqualTo(second.position());
    }

    @Test
    void aPositionWithoutItsLineCountStillGivesAbsoluteLineNumbers() throws IOException {
        Path log = dir.resolve("registry.log");
        Files.writeString(log, lines(TEXT_STARTUP, TEXT_GET_TAG));
        LogPosition saved = read(log, Optional.empty()).position();
        append(log, lines(ACCESS_GET_TAG));

        LogPosition withoutLines = new LogPosition(saved.path(), saved.identity(), saved.offset(), saved.size());
        ReadResult result = read(log, Optional.of(withoutLines));

        assertThat(pullLines()).containsExactly(3L);
        assertThat(result.position().lines()).isEqualTo(3);
    }

    @Test
    void aLastLineWithoutItsNewlineIsLeftForTheNextRead() throws IOException {
        Path log = dir.resolve("registry.log");
        String cut = TEXT_GET_TAG.substring(0, 100);
        Files.writeString(log, lines(TEXT_STARTUP) + cut);

        ReadResult first = read(log, Optional.empty());
        assertThat(first.lines()).isEqualTo(1);
        assertThat(first.malformedLines()).isZero();
        assertThat(first.position().offset()).isEqualTo(TEXT_STARTUP.length() + 1);
        assertThat(first.position().size()).isEqualTo(Files.size(log));

        append(log, TEXT_GET_TAG.substring(100) + "\n");
        ReadResult second = read(log, Optional.of(first.position()));

        assertThat(second.start()).isEqualTo(ReadResult.Start.CONTINUED);
        assertThat(second.lines()).isEqualTo(1);
        assertThat(pullLines()).containsExactly(2L);
        assertThat(second.position().offset()).isEqualTo(Files.size(log));
    }

    @Test
    void aFileMovedAwayAndRecreatedIsReadFromTheStartAndTheMovedOneContinues() throws IOException {
        Path log = dir.resolve("registry.log");
        Files.writeString(log, lines(TEXT_STARTUP, TEXT_GET_TAG));
        LogPosition before = read(log, Optional.empty()).position();
        append(log, lines(ACCESS_GET_TAG)); // written after the read, before the rotation
        Path rotated = dir.resolve("registry.log.1");
        Files.move(log, rotated);
        Files.writeString(log, lines(TEXT_STARTUP.replace("16:18:23.640123707", "16:19:00.000000001"), JSON_GET_TAG));

        ReadResult fresh = read(log, Optional.of(before));
        assertThat(fresh.start()).isEqualTo(ReadResult.Start.ROTATED);
        assertThat(fresh.warnings()).isEmpty();
        assertThat(pullLines()).containsExactly(2L);

        List<LogPosition> saved = List.of(fresh.position());
        assertThat(PullLogReader.findPrevious(log, saved)).contains(fresh.position());
        assertThat(PullLogReader.findPrevious(rotated, saved)).isEmpty();
        Optional<LogPosition> ofRotated = PullLogReader.findPrevious(rotated, List.of(before, fresh.position()));
        assertThat(ofRotated).contains(before);
        ReadResult tail = read(rotated, ofRotated);
        assertThat(tail.start()).isEqualTo(ReadResult.Start.CONTINUED);
        assertThat(pullLines()).containsExactly(3L);
        assertThat(pulls.get(0).file()).isEqualTo(rotated.toString());
    }

    @Test
    void aFileTruncatedInPlaceIsReadFromTheStartWithAWarning() throws IOException {
        Path log = dir.resolve("registry.log");
        Files.writeString(log, lines(TEXT_STARTUP, TEXT_GET_TAG, TEXT_PUT));
        LogPosition before = read(log, Optional.empty()).position();

        try (FileChannel channel = FileChannel.open(log, StandardOpenOption.WRITE)) {
            channel.truncate(0); // copytruncate: the same inode, emptied
        }
        append(log, lines(ACCESS_GET_TAG));
        ReadResult result = read(log, Optional.of(before));

        assertThat(result.start()).isEqualTo(ReadResult.Start.TRUNCATED);
        assertThat(result.warnings()).singleElement().asString().contains(log.toString()).contains("truncated");
        assertThat(pullLines()).containsExactly(1L);
        assertThat(result.position().offset()).isEqualTo(Files.size(log));
    }

    @Test
    void aFileCutShortButWithTheSameBeginningIsTruncatedToo() throws IOException {
        Path log = dir.resolve("registry.log");
        Files.writeString(log, lines(TEXT_STARTUP, TEXT_GET_TAG, TEXT_PUT));
        LogPosition before = read(log, Optional.empty()).position();
        try (FileChannel channel = FileChannel.open(log, StandardOpenOption.WRITE)) {
            channel.truncate(TEXT_STARTUP.length() + 1 + TEXT_GET_TAG.length() + 1);
        }

        ReadResult result = read(log, Optional.of(before));

        assertThat(result.start()).isEqualTo(ReadResult.Start.TRUNCATED);
        assertThat(result.warnings()).hasSize(1);
        assertThat(pullLines()).containsExactly(2L);
    }

    @Test
    void aGzipFileIsReadWholeThenSkippedWhileUnchanged() throws IOException {
        Path archive = dir.resolve("registry.log.1"); // told by its magic bytes, not its name
        Files.write(archive, gzip(lines(TEXT_STARTUP, TEXT_GET_TAG, ACCESS_GET_TAG) + JSON_GET_TAG)); // no last newline

        ReadResult first = read(archive, Optional.empty());
        assertThat(first.lines()).isEqualTo(4);
        assertThat(pullLines()).containsExactly(2L, 3L, 4L);
        assertThat(first.warnings()).isEmpty();
        assertThat(first.position().size()).isEqualTo(Files.size(archive));
        assertThat(first.position().identity()).startsWith("gzip ");

        ReadResult second = read(archive, Optional.of(first.position()));
        assertThat(second.start()).isEqualTo(ReadResult.Start.SKIPPED);
        assertThat(second.lines()).isZero();
        assertThat(pulls).isEmpty();

        Path renamed = dir.resolve("registry.log.2.gz"); // rotated on: still the same archive
        Files.move(archive, renamed);
        Optional<LogPosition> previous = PullLogReader.findPrevious(renamed, List.of(second.position()));
        assertThat(previous).contains(second.position());
        assertThat(read(renamed, previous).start()).isEqualTo(ReadResult.Start.SKIPPED);
    }

    @Test
    void anotherGzipAtTheSamePathIsReadFromTheStart() throws IOException {
        Path archive = dir.resolve("registry.log.1.gz");
        Files.write(archive, gzip(lines(TEXT_GET_TAG)));
        LogPosition before = read(archive, Optional.empty()).position();
        Files.write(archive, gzip(lines(TEXT_STARTUP, JSON_GET_TAG)));

        ReadResult result = read(archive, Optional.of(before));

        assertThat(result.start()).isEqualTo(ReadResult.Start.ROTATED);
        assertThat(pullLines()).containsExactly(2L);
    }

    @Test
    void aTruncatedGzipIsReadUpToTheDamageWithAWarning() throws IOException {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 5000; i++) {
            text.append(TEXT_GET_TAG.replace("509d6680-2154-4a6f-9ee5-695433069e89", "request-" + i)).append('\n');
        }
        byte[] whole = gzip(text.toString());
        Path archive = dir.resolve("registry.log.1.gz");
        Files.write(archive, Arrays.copyOf(whole, whole.length / 2));

        ReadResult result = read(archive, Optional.empty());

        assertThat(result.pulls()).isGreaterThan(0).isLessThan(5000);
        assertThat(result.malformedLines()).isZero(); // the line cut by the damage is dropped, not counted
        assertThat(pullLines()).startsWith(1L, 2L, 3L);
        assertThat(result.warnings()).singleElement().asString().contains(archive.toString()).contains("gzip");
        assertThat(read(archive, Optional.of(result.position())).start()).isEqualTo(ReadResult.Start.SKIPPED);
    }

    @Test
    void aGzipWithACorruptHeaderGivesAWarningNotAnException() throws IOException {
        Path archive = dir.resolve("registry.log.1.gz");
        Files.write(archive, new byte[] {0x1f, (byte) 0x8b, 0x42, 0x42, 0x42});

        ReadResult result = read(archive, Optional.empty());

        assertThat(result.lines()).isZero();
        assertThat(result.warnings()).singleElement().asString().contains(archive.toString());
    }

    @Test
    void invalidUtf8IsReplacedAndTheReadGoesOn() throws IOException {
        Path log = dir.resolve("registry.log");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.write(ACCESS_GET_TAG.replace("curl/7.88.1", "curl\u0001").getBytes(StandardCharsets.UTF_8));
        bytes.write('\n');
        byte[] agent = TEXT_GET_TAG.getBytes(StandardCharsets.UTF_8);
        bytes.write(agent, 0, agent.length);
        bytes.write(new byte[] {' ', 'x', '=', (byte) 0xff, (byte) 0xfe, (byte) 0xc3, '\n'}); // invalid UTF-8
        bytes.write(new byte[] {(byte) 0x80, (byte) 0x81, 0, (byte) 0xff, '\n'});
        bytes.write(JSON_GET_TAG.getBytes(StandardCharsets.UTF_8));
        bytes.write('\n');
        Files.write(log, bytes.toByteArray());

        ReadResult result = read(log, Optional.empty());

        assertThat(result.lines()).isEqualTo(4);
        assertThat(pullLines()).containsExactly(1L, 2L, 4L);
        assertThat(result.malformedLines()).isEqualTo(1);
        assertThat(result.position().offset()).isEqualTo(bytes.size());
    }

    @Test
    void anOverlongLineIsMalformedWithoutStoppingTheRead() throws IOException {
        Path log = dir.resolve("registry.log");
        Files.writeString(log, lines("x".repeat(PullLogReader.MAX_LINE + 10), TEXT_GET_TAG));

        ReadResult result = read(log, Optional.empty());

        assertThat(result.malformedLines()).isEqualTo(1);
        assertThat(pullLines()).containsExactly(2L);
    }

    @Test
    void aFileOfAnotherProgramIsNoticed() throws IOException {
        Path log = dir.resolve("syslog");
        Files.writeString(log, lines("Nov 28 16:18:25 host sshd[1234]: Accepted publickey for root",
                "Nov 28 16:18:26 host CRON[99]: (root) CMD (true)"));

        ReadResult result = read(log, Optional.empty());

        assertThat(result.malformedLines()).isEqualTo(2);
        assertThat(result.warnings()).singleElement().asString().contains("none of the 2 lines");
    }

    @Test
    void aFileThatCannotBeReadIsAnIOException() {
        assertThatThrownBy(() -> read(dir.resolve("missing.log"), Optional.empty()))
                .isInstanceOf(NoSuchFileException.class);
        assertThatThrownBy(() -> read(dir, Optional.empty())).isInstanceOf(IOException.class);
    }
}
