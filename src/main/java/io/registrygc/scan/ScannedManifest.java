package io.registrygc.scan;

import io.registrygc.manifest.ParsedManifest;
import io.registrygc.storage.Digest;
import java.time.Instant;
import java.util.Optional;

/** A manifest revision as the scan found it. {@code parsed} is present only when {@code state} is OK. */
public record ScannedManifest(Digest digest, Instant modified, State state, String problem,
        Optional<ParsedManifest> parsed) {

    public enum State {
        OK,
        /** The revision link exists but the blob data is gone: nothing can be served through it. */
        MISSING,
        /** The data could not be read or does not match its digest. */
        UNREADABLE,
        /** The data is not a manifest we understand. */
        UNPARSEABLE
    }
}
