package io.registrygc.storage;

import java.time.Instant;

/**
 * A revision or {@code _layers} link: the digest its folder names and when the link was written; {@code modified} is
 * null for an entry only named by its folder, whose link has not been looked at ({@link #named}).
 */
public record LinkEntry(Digest digest, Instant modified) {

    /** An entry known by its folder's name only: whether it has a link, and when that was written, is not known yet. */
    public static LinkEntry named(Digest digest) {
        return new LinkEntry(digest, null);
    }

    public boolean lookedAt() {
        return modified != null;
    }
}
