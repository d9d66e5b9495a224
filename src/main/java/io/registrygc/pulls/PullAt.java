package io.registrygc.pulls;

import java.util.Objects;

/**
 * A pull and where the log says so, for the reasons a plan gives ("kept: pulled ... (log line FILE:LINE)").
 *
 * @param file the log file as given to {@link PullLogReader#read}
 * @param line 1-based line number in that file, counted from its first byte (also when a read continues where the
 *             previous one stopped, or inside a gzip file: lines of the decompressed text)
 */
public record PullAt(Pull pull, String file, long line) {

    public PullAt {
        Objects.requireNonNull(pull, "pull");
        Objects.requireNonNull(file, "file");
    }

    /** {@code FILE:LINE}, the form of {@code Retention.LastPull#source}. */
    public String source() {
        return file + ":" + line;
    }
}
