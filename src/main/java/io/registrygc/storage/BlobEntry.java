package io.registrygc.storage;

import java.time.Instant;

/** A blob folder. {@code size} is -1 when the folder has no data file (an interrupted write or delete). */
public record BlobEntry(Digest digest, long size, Instant modified) {
    public boolean hasData() {
        return size >= 0;
    }
}
