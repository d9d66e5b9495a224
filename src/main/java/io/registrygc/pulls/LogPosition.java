package io.registrygc.pulls;

import java.util.Objects;

/**
 * How far a log file was read, saved between runs so that each run reads only what was written since.
 *
 * @param path     the file as it was given
 * @param identity which file this was, so that a rotated or recreated file at the same path is noticed: for a plain
 *                 file its file key (device and inode on Linux) and a SHA-256 of its first bytes (up to 256: an inode
 *                 reused by a new file is told apart by its content); for a gzip file a SHA-256 of its first compressed
 *                 bytes (up to 64 KiB), so that a renamed archive ({@code .1.gz} to {@code .2.gz}) stays the same file.
 *                 Opaque to callers: compare it only through {@link PullLogReader}
 * @param offset   bytes of complete lines read: in the file for a plain file, in the decompressed text for a gzip file
 * @param size     the file's size when it was read (compressed size for gzip): a file that shrank was truncated, and a
 *                 gzip file of the same identity and size has nothing new
 * @param lines    lines before {@code offset}, so that line numbers stay absolute across reads; -1 when unknown (a
 *                 position saved without it): the reader then counts them again
 */
public record LogPosition(String path, String identity, long offset, long size, long lines) {

    public LogPosition {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(identity, "identity");
        if (offset < 0 || size < 0 || lines < -1) {
            throw new IllegalArgumentException("invalid log position: offset " + offset + ", size " + size
                    + ", lines " + lines);
        }
    }

    /** A position without its line count (the reader counts the lines before {@code offset} again). */
    public LogPosition(String path, String identity, long offset, long size) {
        this(path, identity, offset, size, -1);
    }
}
