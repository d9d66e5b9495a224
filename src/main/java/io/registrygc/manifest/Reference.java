package io.registrygc.manifest;

import io.registrygc.storage.Digest;

import java.util.Objects;

/**
 * One digest named by a manifest.
 *
 * @param kind      the role of the digest in the manifest
 * @param digest    the content address
 * @param mediaType the descriptor's media type, or null when the descriptor has none (always null for schema1)
 * @param size      the descriptor's size in bytes, or -1 when absent (always -1 for schema1)
 */
public record Reference(ReferenceKind kind, Digest digest, String mediaType, long size) {

    public Reference {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(digest, "digest");
    }
}
