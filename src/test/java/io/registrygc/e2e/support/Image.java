package io.registrygc.e2e.support;

import io.registrygc.storage.Digest;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * A single-platform manifest pushed to {@code repo}: a Docker schema2 image, an OCI image, or an OCI
 * artifact (referrer).
 *
 * @param repo          repository it was pushed to
 * @param manifest      digest of {@code manifestBytes}
 * @param mediaType     manifest media type (also the Content-Type it was pushed with)
 * @param manifestBytes exact manifest bytes as pushed
 * @param config        config blob digest (the empty descriptor for referrers)
 * @param layers        layer blob digests, in manifest order
 */
public record Image(String repo, Digest manifest, String mediaType, byte[] manifestBytes, Digest config,
                    List<Digest> layers) {

    public Image {
        layers = List.copyOf(layers);
    }

    /** Config and layers: the blobs the manifest references. */
    public List<Digest> contentBlobs() {
        List<Digest> out = new ArrayList<>(layers.size() + 1);
        out.add(config);
        out.addAll(layers);
        return List.copyOf(new LinkedHashSet<>(out));
    }

    /** Everything stored under {@code blobs/} for this image: the manifest, the config and the layers. */
    public List<Digest> allBlobs() {
        List<Digest> out = new ArrayList<>();
        out.add(manifest);
        out.addAll(contentBlobs());
        return List.copyOf(new LinkedHashSet<>(out));
    }

    /** The same manifest as it lives in another repository. */
    public Image inRepo(String otherRepo) {
        return new Image(otherRepo, manifest, mediaType, manifestBytes, config, layers);
    }

    @Override
    public String toString() {
        return "Image[" + repo + "@" + manifest + ", " + mediaType + ", config=" + config + ", layers=" + layers + "]";
    }
}
