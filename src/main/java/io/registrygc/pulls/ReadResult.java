package io.registrygc.pulls;

import java.util.List;
import java.util.Objects;

/**
 * What one {@link PullLogReader#read} did.
 *
 * @param position       where the next read starts: save it
 * @param start          how this read related to the previous position
 * @param lines          lines read this time ({@code pulls + registryLines + malformedLines})
 * @param pulls          successful manifest reads among them
 * @param registryLines  other registry log lines (pushes, errors, blobs, start-up messages...)
 * @param malformedLines lines that are not registry log lines
 * @param warnings       human-readable, each naming the file: a truncation, a corrupt gzip, lines not understood
 */
public record ReadResult(LogPosition position, Start start, long lines, long pulls, long registryLines,
                         long malformedLines, List<String> warnings) {

    public ReadResult {
        Objects.requireNonNull(position, "position");
        Objects.requireNonNull(start, "start");
        warnings = List.copyOf(warnings);
    }

    public enum Start {
        /** No previous position: read from the start. */
        NEW,
        /** The same file: read from the previous offset. */
        CONTINUED,
        /** Another file at this path (rotated, recreated): read from the start. */
        ROTATED,
        /**
         * The same file (inode), but shorter than before or with other first bytes: truncated in place
         * (copytruncate). Read from the start, with a warning.
         */
        TRUNCATED,
        /** A gzip file already read, unchanged: not read again. */
        SKIPPED
    }
}
