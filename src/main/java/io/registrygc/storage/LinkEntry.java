package io.registrygc.storage;

import java.time.Instant;

/** A revision or {@code _layers} link: the digest its folder names and when the link was written. */
public record LinkEntry(Digest digest, Instant modified) {
}
