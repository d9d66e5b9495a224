package io.registrygc.e2e.support;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.registrygc.storage.Digest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * A multi-platform manifest (OCI image index or Docker manifest list) pushed to {@code repo}.
 *
 * @param repo     repository it was pushed to
 * @param digest   digest of {@code bytes}
 * @param children the platform manifests it lists, in order
 * @param bytes    exact index bytes as pushed
 */
public record Index(String repo, Digest digest, List<Image> children, byte[] bytes) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public Index {
        children = List.copyOf(children);
    }

    /** The {@code mediaType} field of the index body (OCI index or Docker manifest list). */
    public String mediaType() {
        try {
            return JSON.readTree(bytes).path("mediaType").asText(MediaTypes.OCI_INDEX);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The index digest followed by the children's manifest digests. */
    public List<Digest> manifests() {
        List<Digest> out = new ArrayList<>();
        out.add(digest);
        children.forEach(c -> out.add(c.manifest()));
        return List.copyOf(new LinkedHashSet<>(out));
    }

    /** Everything stored under {@code blobs/} for this index: itself and every child's {@link Image#allBlobs()}. */
    public List<Digest> allBlobs() {
        LinkedHashSet<Digest> out = new LinkedHashSet<>();
        out.add(digest);
        children.forEach(c -> out.addAll(c.allBlobs()));
        return List.copyOf(out);
    }

    /** The same index as it lives in another repository. */
    public Index inRepo(String otherRepo) {
        return new Index(otherRepo, digest, children.stream().map(c -> c.inRepo(otherRepo)).toList(), bytes);
    }

    @Override
    public String toString() {
        return "Index[" + repo + "@" + digest + ", " + mediaType() + ", children="
                + children.stream().map(Image::manifest).toList() + "]";
    }
}
