package io.registrygc.storage;

import java.time.Instant;

/**
 * A blob folder. {@code size} is -1 when the folder has no data file (an interrupted write or delete). A blob only
 * named by its folder ({@link #named}, on a filesystem) has neither size nor time: planning looks at those it may
 * delete.
 */
public record BlobEntry(Digest digest, long size, Instant modified) {

    /** A blob folder named by a listing of its shard, not looked inside. */
    public static BlobEntry named(Digest digest) {
        return new BlobEntry(digest, -1, null);
    }

    /** Whether its data was looked at (false: {@link #named} only). */
    public boolean lookedAt() {
        return modified != null;
    }
}
