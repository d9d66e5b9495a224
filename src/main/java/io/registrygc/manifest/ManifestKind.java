package io.registrygc.manifest;

/** The kinds of manifest a Docker Registry v2 stores. */
public enum ManifestKind {
    /** {@code application/vnd.docker.distribution.manifest.v1+json} / {@code v1+prettyjws}. */
    DOCKER_SCHEMA1,
    /** {@code application/vnd.docker.distribution.manifest.v2+json}. */
    DOCKER_SCHEMA2,
    /** {@code application/vnd.docker.distribution.manifest.list.v2+json}. */
    DOCKER_MANIFEST_LIST,
    /** {@code application/vnd.oci.image.manifest.v1+json}, also OCI artifact manifests. */
    OCI_MANIFEST,
    /** {@code application/vnd.oci.image.index.v1+json}. */
    OCI_INDEX,
    /**
     * JSON of a media type we do not know (a newer or vendor-specific kind): every digest-like string in it counts as a
     * reference ({@link ReferenceKind#NAMED}), so nothing it may need is lost.
     */
    UNKNOWN;

    /** True when the manifest lists other manifests (its references are CHILD entries). */
    public boolean isIndex() {
        return this == DOCKER_MANIFEST_LIST || this == OCI_INDEX;
    }
}
