package io.registrygc.pulls;

import java.time.Instant;
import java.util.Objects;

/**
 * One successful manifest read seen in the registry's logs: {@code GET} or {@code HEAD} of
 * {@code /v2/<repository>/manifests/<reference>} answered 200. The reference is what the client asked for, a tag or
 * a digest ({@code sha256:...}); a tag is resolved to a digest by whoever uses the pull, since the log does not say
 * which manifest the tag pointed at.
 *
 * @param time   when the registry answered: nanosecond precision from logrus lines, second precision from the
 *               access log
 * @param method {@code GET} or {@code HEAD} (clients check with HEAD before they pull, and both count as use)
 */
public record Pull(String repository, String reference, Instant time, String method) {

    public Pull {
        Objects.requireNonNull(repository, "repository");
        Objects.requireNonNull(reference, "reference");
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(method, "method");
    }

    /** Whether the client asked by digest: a tag never contains ':'. */
    public boolean isDigest() {
        return reference.indexOf(':') >= 0;
    }
}
