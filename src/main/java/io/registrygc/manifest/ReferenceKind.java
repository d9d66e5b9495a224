package io.registrygc.manifest;

/** The role a digest plays in the manifest that names it. */
public enum ReferenceKind {
    /** The image configuration blob ({@code config.digest}); includes the OCI empty descriptor. */
    CONFIG,
    /** A layer (or artifact blob) that must exist in local storage. */
    LAYER,
    /**
     * A foreign / non-distributable layer (media type containing {@code .foreign.} or
     * {@code nondistributable}). It is usually fetched from its {@code urls}; it need not
     * exist locally and its absence is never an error.
     */
    FOREIGN_LAYER,
    /** A manifest listed by an index or manifest list ({@code manifests[].digest}). */
    CHILD,
    /** The manifest this one refers to ({@code subject.digest}): this manifest is a referrer. */
    SUBJECT,
    /**
     * A digest-like string in a document of unknown kind: kept as a blob, and followed like a child when it names a
     * manifest of the repository.
     */
    NAMED;

    /** True for the kinds that name blobs rather than manifests: CONFIG, LAYER, FOREIGN_LAYER. */
    public boolean isBlob() {
        return this == CONFIG || this == LAYER || this == FOREIGN_LAYER;
    }
}
