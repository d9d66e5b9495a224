package io.registrygc.e2e.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.registrygc.storage.Digest;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

/**
 * Builds realistic images with random content and pushes them through a {@link RegistryClient}: layers are
 * gzipped tarballs of a few KB, configs carry matching {@code rootfs.diff_ids}. With a seed, the same calls
 * in the same order produce byte-identical blobs and manifests.
 *
 * <p>The factory remembers the content of every blob it made, so images can reuse layers
 * ({@link #dockerImage(String, String, List)}, {@link ImageSpec#reuseLayers}) and be copied to other
 * repositories ({@link #copyTo(Image, String, String)}).
 */
public final class ImageFactory {

    /** The OCI empty descriptor's content, {@code {}}. */
    public static final byte[] EMPTY_JSON = "{}".getBytes(StandardCharsets.UTF_8);
    public static final Digest EMPTY_JSON_DIGEST = Digest.sha256(EMPTY_JSON);
    public static final String DEFAULT_ARTIFACT_TYPE = "application/vnd.registrygc.e2e.sbom.v1+json";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant EPOCH = Instant.parse("2024-01-01T00:00:00Z");

    /** os, architecture, variant (null for none). */
    private static final String[][] PLATFORMS = {
        {"linux", "amd64", null},
        {"linux", "arm64", "v8"},
        {"linux", "arm", "v7"},
        {"linux", "ppc64le", null},
        {"linux", "s390x", null},
        {"linux", "386", null},
        {"linux", "riscv64", null},
        {"linux", "arm", "v6"},
    };

    private final RegistryClient client;
    private final Random random;
    private final Map<Digest, byte[]> contents = new HashMap<>();
    private final Map<Digest, Digest> diffIds = new HashMap<>();

    /** Random content from an unpredictable seed. */
    public ImageFactory(RegistryClient client) {
        this(client, new Random());
    }

    /** Deterministic content for a given seed. */
    public ImageFactory(RegistryClient client, long seed) {
        this(client, new Random(seed));
    }

    private ImageFactory(RegistryClient client, Random random) {
        this.client = Objects.requireNonNull(client);
        this.random = random;
        contents.put(EMPTY_JSON_DIGEST, EMPTY_JSON);
    }

    public RegistryClient client() {
        return client;
    }

    // ------------------------------------------------------------ single images

    /** A Docker schema2 image with 2 fresh layers, pushed as {@code repo:tag} (by digest when tag is null). */
    public Image dockerImage(String repo, String tag) {
        return image(repo).docker().tag(tag).push();
    }

    /** A Docker schema2 image whose layers are {@code sharedLayers} followed by one fresh layer. */
    public Image dockerImage(String repo, String tag, List<Digest> sharedLayers) {
        return image(repo).docker().tag(tag).reuseLayers(sharedLayers).freshLayers(1).push();
    }

    /** An OCI image with 2 fresh layers, pushed as {@code repo:tag} (by digest when tag is null). */
    public Image ociImage(String repo, String tag) {
        return image(repo).oci().tag(tag).push();
    }

    /** An OCI image whose layers are {@code sharedLayers} followed by one fresh layer. */
    public Image ociImage(String repo, String tag, List<Digest> sharedLayers) {
        return image(repo).oci().tag(tag).reuseLayers(sharedLayers).freshLayers(1).push();
    }

    /** A builder for an image in {@code repo}; defaults: Docker schema2, untagged, 2 fresh layers, linux/amd64. */
    public ImageSpec image(String repo) {
        return new ImageSpec(repo);
    }

    // ------------------------------------------------------------------ indexes

    /** An OCI index of {@code platforms} fresh OCI images (pushed untagged first), then the index by tag. */
    public Index ociIndex(String repo, String tag, int platforms) {
        return index(repo, tag, platforms, true);
    }

    /** An OCI index over images already pushed to {@code repo}. */
    public Index ociIndex(String repo, String tag, List<Image> children) {
        return pushIndex(repo, tag, MediaTypes.OCI_INDEX, children);
    }

    /** A Docker manifest list of {@code platforms} fresh schema2 images (pushed untagged first), then the list. */
    public Index dockerManifestList(String repo, String tag, int platforms) {
        return index(repo, tag, platforms, false);
    }

    /** A Docker manifest list over images already pushed to {@code repo}. */
    public Index dockerManifestList(String repo, String tag, List<Image> children) {
        return pushIndex(repo, tag, MediaTypes.DOCKER_MANIFEST_LIST, children);
    }

    private Index index(String repo, String tag, int platforms, boolean oci) {
        if (platforms < 1) {
            throw new IllegalArgumentException("an index needs at least one platform");
        }
        List<Image> children = new ArrayList<>();
        for (int i = 0; i < platforms; i++) {
            String[] p = PLATFORMS[i % PLATFORMS.length];
            String variant = i < PLATFORMS.length ? p[2] : "e2e" + i;
            ImageSpec spec = image(repo).platform(p[0], p[1], variant);
            children.add((oci ? spec.oci() : spec.docker()).push());
        }
        return pushIndex(repo, tag, oci ? MediaTypes.OCI_INDEX : MediaTypes.DOCKER_MANIFEST_LIST, children);
    }

    private Index pushIndex(String repo, String tag, String mediaType, List<Image> children) {
        ObjectNode root = JSON.createObjectNode();
        root.put("schemaVersion", 2);
        root.put("mediaType", mediaType);
        ArrayNode manifests = root.putArray("manifests");
        for (Image child : children) {
            ObjectNode d = descriptor(child.mediaType(), child.manifest(), child.manifestBytes().length);
            platformOf(child).ifPresent(p -> d.set("platform", p));
            manifests.add(d);
        }
        if (MediaTypes.OCI_INDEX.equals(mediaType)) {
            root.putObject("annotations").put("org.opencontainers.image.created", created().toString());
        }
        byte[] bytes = json(root);
        Digest digest = client.pushManifest(repo, reference(tag, bytes), mediaType, bytes);
        return new Index(repo, digest, children.stream().map(c -> c.inRepo(repo)).toList(), bytes);
    }

    // ---------------------------------------------------------------- referrers

    /** An OCI artifact with {@link #DEFAULT_ARTIFACT_TYPE} whose subject is {@code subject}, pushed by digest. */
    public Image referrer(String repo, Digest subject) {
        return referrer(repo, subject, DEFAULT_ARTIFACT_TYPE);
    }

    public Image referrer(Image subject) {
        return referrer(subject.repo(), subject.manifest());
    }

    public Image referrer(Index subject) {
        return referrer(subject.repo(), subject.digest());
    }

    /**
     * An OCI artifact manifest: {@code artifactType}, config = the empty descriptor ({@code {}}), one fresh
     * JSON layer, and {@code subject} pointing at the manifest {@code subject} in {@code repo} (which must
     * exist there). Pushed by digest, untagged.
     */
    public Image referrer(String repo, Digest subject, String artifactType) {
        RegistryClient.ManifestResponse s = client.getManifestResponse(repo, subject.toString())
                .orElseThrow(() -> new IllegalArgumentException("subject " + subject + " not found in " + repo));
        String subjectType = mediaTypeOf(s.content(), s.contentType());

        byte[] payload = json(JSON.createObjectNode()
                .put("subject", subject.toString())
                .put("nonce", HexFormat.of().formatHex(randomBytes(16)))
                .put("created", created().toString()));
        Digest layer = remember(payload);
        client.pushBlob(repo, EMPTY_JSON);
        client.pushBlob(repo, payload);

        ObjectNode root = JSON.createObjectNode();
        root.put("schemaVersion", 2);
        root.put("mediaType", MediaTypes.OCI_MANIFEST);
        root.put("artifactType", artifactType);
        root.set("config", descriptor(MediaTypes.OCI_EMPTY, EMPTY_JSON_DIGEST, EMPTY_JSON.length));
        root.putArray("layers").add(descriptor("application/json", layer, payload.length));
        root.set("subject", descriptor(subjectType, subject, s.content().length));
        root.putObject("annotations").put("org.opencontainers.image.created", created().toString());
        byte[] bytes = json(root);
        Digest digest = client.pushManifest(repo, MediaTypes.OCI_MANIFEST, bytes);
        return new Image(repo, digest, MediaTypes.OCI_MANIFEST, bytes, EMPTY_JSON_DIGEST, List.of(layer));
    }

    // ------------------------------------------------------------ tags & copies

    /** Pushes the image's manifest bytes to an additional tag in its repository. */
    public Image tag(Image image, String tag) {
        client.pushManifest(image.repo(), tag, image.mediaType(), image.manifestBytes());
        return image;
    }

    /** Pushes the index bytes to an additional tag in its repository. */
    public Index tag(Index index, String tag) {
        client.pushManifest(index.repo(), tag, index.mediaType(), index.bytes());
        return index;
    }

    /**
     * Copies an image to another repository: its blobs are uploaded there, then the same manifest bytes are
     * pushed by {@code tag} (by digest when tag is null).
     */
    public Image copyTo(Image image, String targetRepo, String tag) {
        for (Digest blob : image.contentBlobs()) {
            client.pushBlob(targetRepo, content(blob, image.repo()));
        }
        client.pushManifest(targetRepo, reference(tag, image.manifestBytes()), image.mediaType(), image.manifestBytes());
        return image.inRepo(targetRepo);
    }

    /** Copies an index and its children (untagged) to another repository, the index by {@code tag}. */
    public Index copyTo(Index index, String targetRepo, String tag) {
        for (Image child : index.children()) {
            copyTo(child, targetRepo, null);
        }
        client.pushManifest(targetRepo, reference(tag, index.bytes()), index.mediaType(), index.bytes());
        return index.inRepo(targetRepo);
    }

    // -------------------------------------------------------------------- blobs

    /** Uploads {@code size} random bytes to {@code repo} as a blob no manifest references. */
    public Digest pushRandomBlob(String repo, int size) {
        byte[] content = randomBytes(size);
        remember(content);
        return client.pushBlob(repo, content);
    }

    /** Uploads the blobs of {@code image} (as built by {@link ImageSpec#build()}) to {@code repo}. */
    public void pushBlobs(String repo, Image image) {
        for (Digest blob : image.contentBlobs()) {
            client.pushBlob(repo, content(blob, image.repo()));
        }
    }

    /** Content of a blob this factory created. */
    public byte[] content(Digest digest) {
        byte[] c = contents.get(digest);
        if (c == null) {
            throw new IllegalArgumentException("blob " + digest + " was not created by this factory");
        }
        return c.clone();
    }

    /** Random bytes from this factory's (possibly seeded) generator. */
    public synchronized byte[] randomBytes(int size) {
        byte[] b = new byte[size];
        random.nextBytes(b);
        return b;
    }

    private byte[] content(Digest digest, String sourceRepo) {
        byte[] c = contents.get(digest);
        if (c != null) {
            return c;
        }
        return client.getBlob(sourceRepo, digest)
                .orElseThrow(() -> new IllegalArgumentException("blob " + digest + " unknown to this factory and "
                        + "absent from " + sourceRepo));
    }

    private synchronized int randomInt(int from, int toExclusive) {
        return from + random.nextInt(toExclusive - from);
    }

    private Instant created() {
        return EPOCH.plusSeconds(randomInt(0, 365 * 24 * 3600));
    }

    private synchronized Digest remember(byte[] content) {
        Digest d = Digest.sha256(content);
        contents.putIfAbsent(d, content);
        return d;
    }

    /** A fresh gzipped tar layer holding one random file; remembers its content and diff id. */
    private Digest freshLayer() {
        byte[] file = randomBytes(randomInt(1024, 4096));
        String name = "data/" + HexFormat.of().formatHex(randomBytes(6)) + ".bin";
        byte[] tar = Tar.single(name, file, created().getEpochSecond());
        byte[] gz = gzip(tar);
        Digest d = remember(gz);
        synchronized (this) {
            diffIds.putIfAbsent(d, Digest.sha256(tar));
        }
        return d;
    }

    private Digest diffId(Digest layer) {
        synchronized (this) {
            Digest known = diffIds.get(layer);
            if (known != null) {
                return known;
            }
        }
        return layer; // not ours: no uncompressed digest known; the registry does not check diff_ids
    }

    private java.util.Optional<ObjectNode> platformOf(Image image) {
        if (image.config().equals(EMPTY_JSON_DIGEST)) {
            return java.util.Optional.empty();
        }
        try {
            JsonNode cfg = JSON.readTree(content(image.config(), image.repo()));
            if (!cfg.hasNonNull("architecture") || !cfg.hasNonNull("os")) {
                return java.util.Optional.empty();
            }
            ObjectNode p = JSON.createObjectNode();
            p.put("architecture", cfg.get("architecture").asText());
            p.put("os", cfg.get("os").asText());
            if (cfg.hasNonNull("variant")) {
                p.put("variant", cfg.get("variant").asText());
            }
            return java.util.Optional.of(p);
        } catch (IOException e) {
            return java.util.Optional.empty();
        }
    }

    private static String mediaTypeOf(byte[] manifest, String fallback) {
        try {
            JsonNode mt = JSON.readTree(manifest).get("mediaType");
            if (mt != null && mt.isTextual()) {
                return mt.asText();
            }
        } catch (IOException ignored) {
            // fall back to the served Content-Type
        }
        return fallback != null ? fallback : MediaTypes.OCI_MANIFEST;
    }

    private static String reference(String tag, byte[] manifest) {
        return tag != null ? tag : Digest.sha256(manifest).toString();
    }

    private static ObjectNode descriptor(String mediaType, Digest digest, long size) {
        ObjectNode d = JSON.createObjectNode();
        d.put("mediaType", mediaType);
        d.put("digest", digest.toString());
        d.put("size", size);
        return d;
    }

    private static byte[] json(JsonNode node) {
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] gzip(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    // ------------------------------------------------------------------ builder

    /** Describes one single-platform image; {@link #push()} uploads blobs, then the manifest. */
    public final class ImageSpec {

        private final String repo;
        private boolean oci;
        private String tag;
        private final List<Digest> reused = new ArrayList<>();
        private int fresh = -1;
        private String os = "linux";
        private String architecture = "amd64";
        private String variant;
        private final Map<String, String> labels = new java.util.LinkedHashMap<>();

        private ImageSpec(String repo) {
            this.repo = Objects.requireNonNull(repo);
        }

        /** Docker schema2 manifest (the default). */
        public ImageSpec docker() {
            this.oci = false;
            return this;
        }

        /** OCI image manifest. */
        public ImageSpec oci() {
            this.oci = true;
            return this;
        }

        /** Tag to push the manifest by; null (the default) pushes it by digest, untagged. */
        public ImageSpec tag(String tag) {
            this.tag = tag;
            return this;
        }

        public ImageSpec untagged() {
            return tag(null);
        }

        /** Number of new random layers placed after any reused ones (default: 2, or 0 when layers are reused). */
        public ImageSpec freshLayers(int count) {
            if (count < 0) {
                throw new IllegalArgumentException("negative layer count");
            }
            this.fresh = count;
            return this;
        }

        /** Existing layer blobs (made by this factory, or present in {@code repo}) to list first. */
        public ImageSpec reuseLayers(Collection<Digest> layers) {
            reused.addAll(layers);
            return this;
        }

        public ImageSpec reuseLayers(Digest... layers) {
            return reuseLayers(Arrays.asList(layers));
        }

        /** Reuses all layers of {@code other}. */
        public ImageSpec reuseLayersOf(Image other) {
            return reuseLayers(other.layers());
        }

        public ImageSpec platform(String os, String architecture, String variant) {
            this.os = Objects.requireNonNull(os);
            this.architecture = Objects.requireNonNull(architecture);
            this.variant = variant;
            return this;
        }

        public ImageSpec label(String key, String value) {
            labels.put(key, value);
            return this;
        }

        /**
         * Creates the blobs and the manifest bytes without contacting the registry; the returned image's
         * {@code repo} is the target repository. Push them with {@link ImageFactory#pushBlobs} and
         * {@link RegistryClient#pushManifest}.
         */
        public Image build() {
            int freshCount = fresh >= 0 ? fresh : (reused.isEmpty() ? 2 : 0);
            List<Digest> layers = new ArrayList<>(reused);
            for (int i = 0; i < freshCount; i++) {
                layers.add(freshLayer());
            }
            Instant created = created();

            ObjectNode cfg = JSON.createObjectNode();
            cfg.put("created", created.toString());
            cfg.put("architecture", architecture);
            cfg.put("os", os);
            if (variant != null) {
                cfg.put("variant", variant);
            }
            ObjectNode runtime = cfg.putObject("config");
            runtime.putArray("Env").add("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
            runtime.putArray("Cmd").add("/bin/sh");
            ObjectNode lbl = runtime.putObject("Labels");
            lbl.put("io.registrygc.e2e.nonce", HexFormat.of().formatHex(randomBytes(16)));
            labels.forEach(lbl::put);
            ObjectNode rootfs = cfg.putObject("rootfs");
            rootfs.put("type", "layers");
            ArrayNode diff = rootfs.putArray("diff_ids");
            ArrayNode history = cfg.putArray("history");
            for (int i = 0; i < layers.size(); i++) {
                diff.add(diffId(layers.get(i)).toString());
                history.addObject().put("created", created.toString()).put("created_by", "ADD layer " + i + " /");
            }
            byte[] configBytes = json(cfg);
            Digest config = remember(configBytes);

            ObjectNode m = JSON.createObjectNode();
            m.put("schemaVersion", 2);
            String mediaType = oci ? MediaTypes.OCI_MANIFEST : MediaTypes.DOCKER_MANIFEST;
            m.put("mediaType", mediaType);
            m.set("config", descriptor(oci ? MediaTypes.OCI_CONFIG : MediaTypes.DOCKER_CONFIG, config,
                    configBytes.length));
            ArrayNode ls = m.putArray("layers");
            for (Digest layer : layers) {
                ls.add(descriptor(oci ? MediaTypes.OCI_LAYER : MediaTypes.DOCKER_LAYER, layer,
                        content(layer, repo).length));
            }
            byte[] bytes = json(m);
            return new Image(repo, Digest.sha256(bytes), mediaType, bytes, config, layers);
        }

        /** Builds, uploads the config and layers, then pushes the manifest by tag (or digest). */
        public Image push() {
            Image image = build();
            pushBlobs(repo, image);
            client.pushManifest(repo, reference(tag, image.manifestBytes()), image.mediaType(), image.manifestBytes());
            return image;
        }
    }

    /** Just enough ustar to make a one-file layer. */
    private static final class Tar {

        static byte[] single(String name, byte[] content, long mtime) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] h = new byte[512];
            put(h, 0, 100, name);
            put(h, 100, 8, "0000644");
            put(h, 108, 8, "0000000");
            put(h, 116, 8, "0000000");
            put(h, 124, 12, String.format("%011o", content.length));
            put(h, 136, 12, String.format("%011o", mtime));
            Arrays.fill(h, 148, 156, (byte) ' ');
            h[156] = '0';
            put(h, 257, 6, "ustar");
            put(h, 263, 2, "00");
            put(h, 265, 32, "root");
            put(h, 297, 32, "root");
            long sum = 0;
            for (byte b : h) {
                sum += b & 0xff;
            }
            put(h, 148, 6, String.format("%06o", sum));
            h[154] = 0;
            h[155] = ' ';
            out.writeBytes(h);
            out.writeBytes(content);
            int pad = (512 - content.length % 512) % 512;
            out.writeBytes(new byte[pad + 1024]);
            return out.toByteArray();
        }

        private static void put(byte[] h, int off, int len, String value) {
            byte[] v = value.getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(v, 0, h, off, Math.min(len, v.length));
        }
    }
}
