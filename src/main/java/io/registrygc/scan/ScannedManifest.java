package io.registrygc.scan;

import io.registrygc.manifest.ParsedManifest;
import io.registrygc.storage.Digest;
import java.time.Instant;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

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
        UNPARSEABLE;

        /** The states in which what the manifest references is unknown. */
        public static final Set<State> UNKNOWN_REFERENCES = Collections.unmodifiableSet(EnumSet.of(UNREADABLE, UNPARSEABLE));
    }
}
