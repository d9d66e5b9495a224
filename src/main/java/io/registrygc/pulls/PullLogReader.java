package io.registrygc.pulls;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.zip.GZIPInputStream;

/**
 * Reads what the registry logged since the last run, plain or gzip, streaming (a log may be gigabytes) and decoding
 * UTF-8 leniently (an invalid byte becomes U+FFFD, it never stops the read).
 *
 * <p>A plain file is a log still being written: only complete lines are read, a last line without its newline is
 * left for the next run, and the read stops at the size the file had when it was opened. The saved
 * {@link LogPosition} tells whether the file is the one read before: if so, the read continues at its offset; if
 * another file took its path (rotation), it is read from the start; if the same file was cut short or rewritten in
 * place (logrotate's copytruncate), from the start with a warning. A gzip file (told by its magic bytes, whatever its
 * name) is an archive: read whole, then skipped while it stays the same; a truncated or corrupt one is read up to the
 * damage, with a warning, never an exception. A file that cannot be opened is an {@link IOException}: the caller
 * decides whether a missing log is fatal.
 *
 * <p>Each pull reaches the caller as a {@link PullAt}, with the file and its absolute 1-based line number.
 */
public final class PullLogReader {

    /** A new file at a reused inode differs from the old one within its first line (a timestamp at least). */
    static final int PLAIN_HEAD = 256;
    /** Archives never change: enough of the compressed bytes to tell two of them apart. */
    static final int GZIP_HEAD = 64 * 1024;
    /** A longer line is not a registry line: it is counted as malformed without being kept in memory. */
    static final int MAX_LINE = 1024 * 1024;

    public ReadResult read(Path file, Optional<LogPosition> previous, Consumer<PullAt> pulls) throws IOException {
        String name = file.toString();
        List<String> warnings = new ArrayList<>();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            FileFacts now = FileFacts.of(file, channel);
            String identity = now.identity(channel, now.gzip ? GZIP_HEAD : PLAIN_HEAD);
            ReadResult.Start start = previous.isEmpty() ? ReadResult.Start.NEW : compare(now, previous.get(), channel);
            LogPosition before = previous.orElse(null);
            boolean continued = start == ReadResult.Start.CONTINUED;
            if (start == ReadResult.Start.SKIPPED) {
                return new ReadResult(new LogPosition(name, identity, before.offset(), now.size, before.lines()),
                        start, 0, 0, 0, 0, warnings);
            }
            if (start == ReadResult.Start.TRUNCATED) {
                warnings.add(name + " was truncated or rewritten in place since it was last read (copytruncate?;"
                        + " now " + now.size + " bytes, " + before.size() + " then): reading it again from the start;"
                        + " lines written between the last read and the truncation are only in the copy, if kept");
            }
            long offset = continued ? before.offset() : 0;
            long knownLines = continued ? before.lines() : 0;
            Lines lines;
            if (now.gzip) {
                lines = readGzip(channel, name, offset, knownLines, pulls, warnings);
            } else {
                lines = readPlain(channel, name, now.size, offset, knownLines, pulls);
            }
            if (lines.malformed > 0) {
                warnings.add(lines.malformed == lines.count
                        ? name + ": none of the " + lines.count + " lines read is a registry log line: is it the"
                                + " registry's log?"
                        : name + ": " + lines.malformed + " of " + lines.count + " lines read are not registry log"
                                + " lines (the first is line " + lines.firstMalformed + ")");
            }
            LogPosition position = new LogPosition(name, identity, offset + lines.consumed, now.size, lines.number);
            return new ReadResult(position, start, lines.count, lines.pulls, lines.registry, lines.malformed, warnings);
        }
    }

    /**
     * The saved position of this file among {@code known}: one with its identity (the one saved under its path if
     * several), else the one saved under its path (which {@link #read} then finds rotated or truncated). Passing
     * it to {@link #read} continues a log renamed by rotation ({@code access.log} to {@code access.log.1}) where it
     * stopped, and skips an archive renamed again ({@code .1.gz} to {@code .2.gz}) instead of reading it once more.
     */
    public static Optional<LogPosition> findPrevious(Path file, Collection<LogPosition> known) throws IOException {
        String name = file.toString();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            FileFacts now = FileFacts.of(file, channel);
            LogPosition samePath = null;
            LogPosition sameFile = null;
            for (LogPosition p : known) {
                boolean atPath = p.path().equals(name);
                if (now.sameFile(p.identity(), channel) && (sameFile == null || atPath)) {
                    sameFile = p;
                }
                if (atPath) {
                    samePath = p;
                }
            }
            return Optional.ofNullable(sameFile != null ? sameFile : samePath);
        }
    }

    /**
     * A plain file with the same inode but not the same first bytes, or shorter than before, was rewritten in place:
     * copytruncate (rotation by rename gives the path a new inode). A gzip file with other first bytes is another
     * archive.
     */
    private static ReadResult.Start compare(FileFacts now, LogPosition before, FileChannel channel)
            throws IOException {
        if (!now.sameKey(before.identity())) {
            return ReadResult.Start.ROTATED;
        }
        if (!now.sameFile(before.identity(), channel)) {
            return now.gzip || now.key.equals("-") ? ReadResult.Start.ROTATED : ReadResult.Start.TRUNCATED;
        }
        if (now.size < before.size() || (!now.gzip && now.size < before.offset())) {
            return ReadResult.Start.TRUNCATED;
        }
        return now.gzip && now.size == before.size() ? ReadResult.Start.SKIPPED : ReadResult.Start.CONTINUED;
    }

    private static Lines readPlain(FileChannel channel, String name, long size, long offset, long knownLines,
            Consumer<PullAt> pulls) throws IOException {
        InputStream in = Channels.newInputStream(channel);
        long number = knownLines;
        if (knownLines < 0) {
            channel.position(0);
            number = skipCountingLines(in, offset);
        } else {
            channel.position(offset);
        }
        Lines lines = new Lines(name, number, pulls);
        lines.feed(in, size - offset); // not beyond the size seen at opening: a partial line stays for the next run
        return lines;
    }

    private static Lines readGzip(FileChannel channel, String name, long offset, long knownLines,
            Consumer<PullAt> pulls, List<String> warnings) {
        Lines lines = new Lines(name, knownLines, pulls); // -1 (unknown) until the skip has counted them
        try (InputStream in = new GZIPInputStream(new BufferedInputStream(Channels.newInputStream(channel), 65536))) {
            long skipped = skipCountingLines(in, offset);
            if (knownLines < 0) {
                lines.number = skipped;
            }
            lines.feed(in, Long.MAX_VALUE);
            lines.finish(); // the archive is complete: so is its last line, newline or not
        } catch (IOException damaged) {
            warnings.add(name + ": the gzip data ends early or is corrupt after line " + Math.max(lines.number, 0)
                    + " (" + damaged.getMessage() + "); the lines before were read, the rest is ignored");
        }
        return lines;
    }

    /** Skips {@code bytes} of {@code in}, returning how many newlines they held. */
    private static long skipCountingLines(InputStream in, long bytes) throws IOException {
        byte[] buffer = new byte[65536];
        long newlines = 0;
        while (bytes > 0) {
            int n = in.read(buffer, 0, (int) Math.min(buffer.length, bytes));
            if (n < 0) {
                throw new EOFException("the file holds less than the " + bytes + " bytes read before");
            }
            for (int i = 0; i < n; i++) {
                if (buffer[i] == '\n') {
                    newlines++;
                }
            }
            bytes -= n;
        }
        return newlines;
    }

    /** What identifies a file now: gzip or not, its size, its file key; its head hash is computed when needed. */
    private record FileFacts(boolean gzip, long size, String key) {

        static FileFacts of(Path file, FileChannel channel) throws IOException {
            long size = channel.size();
            byte[] magic = head(channel, 2);
            boolean gzip = magic.length == 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b;
            Object fileKey = gzip ? null : Files.readAttributes(file, BasicFileAttributes.class).fileKey();
            return new FileFacts(gzip, size, fileKey == null ? "-" : fileKey.toString().replace(' ', '_'));
        }

        /** {@code plain|gzip KEY N SHA256-OF-FIRST-N-BYTES}. */
        String identity(FileChannel channel, int headLimit) throws IOException {
            int n = (int) Math.min(size, headLimit);
            return (gzip ? "gzip" : "plain") + " " + key + " " + n + " " + sha256(head(channel, n));
        }

        boolean sameKey(String identity) {
            return identity.startsWith((gzip ? "gzip" : "plain") + " " + key + " ");
        }

        /** The same kind and key, and the same first N bytes, N being what the saved identity hashed. */
        boolean sameFile(String identity, FileChannel channel) throws IOException {
            int n = headLength(identity);
            return sameKey(identity) && n >= 0 && n <= size && identity(channel, n).equals(identity);
        }

        static int headLength(String identity) {
            String[] parts = identity.split(" ");
            try {
                return parts.length == 4 ? Integer.parseInt(parts[2]) : -1;
            } catch (NumberFormatException e) {
                return -1;
            }
        }

        private static byte[] head(FileChannel channel, int n) throws IOException {
            ByteBuffer buffer = ByteBuffer.allocate(n);
            while (buffer.hasRemaining() && channel.read(buffer, buffer.position()) > 0) {
                // positional reads: the channel's own position is left alone
            }
            return Arrays.copyOf(buffer.array(), buffer.position());
        }

        private static String sha256(byte[] bytes) {
            try {
                return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("SHA-256 is missing from this JVM", e);
            }
        }
    }

    /** Splits bytes into lines and classifies them, counting complete lines' bytes for the next offset. */
    private static final class Lines {
        private final String file;
        private final Consumer<PullAt> sink;
        long number; // line number of the last line seen, from the file's start
        long count;
        long pulls;
        long registry;
        long malformed;
        long firstMalformed;
        long consumed; // bytes of the complete lines seen
        private byte[] line = new byte[1024];
        private int length; // MAX_LINE + 1 once the line is too long to keep
        private long pending; // bytes of the current line so far

        Lines(String file, long number, Consumer<PullAt> sink) {
            this.file = file;
            this.number = number;
            this.sink = sink;
        }

        void feed(InputStream in, long limit) throws IOException {
            byte[] buffer = new byte[65536];
            while (limit > 0) {
                int n = in.read(buffer, 0, (int) Math.min(buffer.length, limit));
                if (n < 0) {
                    return;
                }
                limit -= n;
                int start = 0;
                for (int i = 0; i < n; i++) {
                    if (buffer[i] == '\n') {
                        append(buffer, start, i - start);
                        end(1);
                        start = i + 1;
                    }
                }
                append(buffer, start, n - start);
            }
        }

        void finish() {
            if (pending > 0) {
                end(0);
            }
        }

        private void append(byte[] bytes, int from, int n) {
            pending += n;
            if (length + n > MAX_LINE) {
                length = MAX_LINE + 1;
                return;
            }
            if (length + n > line.length) {
                line = Arrays.copyOf(line, Math.min(MAX_LINE, Math.max(line.length * 2, length + n)));
            }
            System.arraycopy(bytes, from, line, length, n);
            length += n;
        }

        private void end(int newline) {
            consumed += pending + newline;
            pending = 0;
            number++;
            count++;
            PullLogLine.Parsed parsed = length > MAX_LINE
                    ? PullLogLine.Parsed.MALFORMED
                    : PullLogLine.parse(new String(line, 0, length, StandardCharsets.UTF_8));
            length = 0;
            switch (parsed.kind()) {
                case PULL -> {
                    pulls++;
                    sink.accept(new PullAt(parsed.pull(), file, number));
                }
                case REGISTRY -> registry++;
                case MALFORMED -> {
                    if (malformed++ == 0) {
                        firstMalformed = number;
                    }
                }
            }
        }
    }
}
