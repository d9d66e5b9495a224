package io.registrygc.manifest;

import io.registrygc.storage.Digest;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a manifest names.
 *
 * @param kind       the manifest kind, decided by schemaVersion and structure
 * @param mediaType  the top-level {@code mediaType} exactly as the document gives it, or null when absent
 * @param references every digest the manifest names, in order of appearance, without duplicate
 *                   (kind, digest) pairs; the subject, if any, is included with kind SUBJECT
 * @param subject    the {@code subject} digest when this manifest is a referrer
 */
public record ParsedManifest(ManifestKind kind, String mediaType, List<Reference> references, Optional<Digest> subject) {

    public ParsedManifest {
        Objects.requireNonNull(kind, "kind");
        references = List.copyOf(references);
        Objects.requireNonNull(subject, "subject");
    }

    /** The manifests an index lists (CHILD references). */
    public List<Reference> children() {
        return references.stream().filter(r -> r.kind() == ReferenceKind.CHILD).toList();
    }

    /** The blobs the manifest names: CONFIG, LAYER and FOREIGN_LAYER references. */
    public List<Reference> blobs() {
        return references.stream().filter(r -> r.kind().isBlob()).toList();
    }

    /** True when the manifest has a subject (it is an OCI referrer such as a signature or SBOM). */
    public boolean isReferrer() {
        return subject.isPresent();
    }
}
