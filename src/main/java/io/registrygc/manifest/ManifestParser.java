package io.registrygc.manifest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.registrygc.storage.Digest;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses the bytes of a stored Docker Registry v2 manifest (any kind) into the digests it
 * references. Thread-safe and reusable: one instance can serve every thread.
 *
 * <p>Dispatch follows the registry's own: {@code schemaVersion} 1 is a Docker schema1 manifest;
 * {@code schemaVersion} 2 is decided by structure, the declared {@code mediaType} only choosing
 * between the Docker and OCI flavour of the kind. A document with a {@code manifests} member is an
 * index; otherwise one with {@code config} is an image manifest; otherwise one with {@code blobs}
 * (or the OCI artifact media type) is an OCI artifact manifest. References are collected from
 * every descriptor member present ({@code config}, {@code layers}, {@code blobs},
 * {@code manifests}, {@code subject}), whatever the kind, so that nothing the document names is
 * lost to garbage collection.
 *
 * <p>Member names are matched like Go's {@code encoding/json}, which the registry uses: an exact
 * name or a case-insensitive one, the last occurrence winning; a JSON {@code null} is absent.
 */
public final class ManifestParser {

    public static final String MEDIA_TYPE_DOCKER_SCHEMA1 = "application/vnd.docker.distribution.manifest.v1+json";
    public static final String MEDIA_TYPE_DOCKER_SCHEMA1_SIGNED = "application/vnd.docker.distribution.manifest.v1+prettyjws";
    public static final String MEDIA_TYPE_DOCKER_SCHEMA2 = "application/vnd.docker.distribution.manifest.v2+json";
    public static final String MEDIA_TYPE_OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    public static final String MEDIA_TYPE_OCI_ARTIFACT_MANIFEST = "application/vnd.oci.artifact.manifest.v1+json";

    private final ObjectMapper mapper = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    /**
     * Parses manifest content.
     *
     * @param content the manifest bytes exactly as stored
     * @return the manifest kind, declared media type, references and subject
     * @throws ManifestParseException when the content is not a valid manifest
     */
    public ParsedManifest parse(byte[] content) throws ManifestParseException {
        if (content == null || content.length == 0) {
            throw new ManifestParseException("empty content");
        }
        JsonNode root;
        try {
            root = mapper.readTree(content);
        } catch (JsonProcessingException e) {
            throw new ManifestParseException("not JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new ManifestParseException("not JSON: " + e.getMessage(), e);
        }
        if (root == null || root.isMissingNode()) {
            throw new ManifestParseException("empty content (whitespace only)");
        }
        if (!root.isObject()) {
            throw new ManifestParseException("not a JSON object: the top-level value is " + describe(root));
        }
        Members top = new Members(root);
        String mediaType = optionalString(top, "mediaType", "top-level mediaType");
        int schemaVersion = schemaVersion(top);
        return schemaVersion == 1 ? parseSchema1(top, mediaType) : parseSchema2(top, mediaType);
    }

    private static final Pattern DIGEST_LIKE = Pattern.compile("sha(?:256|384|512):[0-9a-f]{32,128}");
    private static final Set<String> KNOWN_MEDIA_TYPES = Set.of(MEDIA_TYPE_DOCKER_SCHEMA1,
            MEDIA_TYPE_DOCKER_SCHEMA1_SIGNED, MEDIA_TYPE_DOCKER_SCHEMA2, MEDIA_TYPE_OCI_MANIFEST,
            MEDIA_TYPE_OCI_ARTIFACT_MANIFEST, "application/vnd.docker.distribution.manifest.list.v2+json",
            "application/vnd.oci.image.index.v1+json");

    /**
     * Content that {@link #parse} refuses but that is a JSON object declaring no known manifest media type: a kind we
     * do not know. Its references are every digest-like string anywhere in it (values and keys), so that what it may
     * need is kept. Empty for anything else (not JSON, or a known kind that is malformed: that stays unparseable).
     */
    public Optional<ParsedManifest> parseUnknownKind(byte[] content) {
        JsonNode root;
        try {
            root = mapper.readTree(content);
        } catch (IOException | RuntimeException notJson) {
            return Optional.empty();
        }
        if (root == null || !root.isObject()) {
            return Optional.empty();
        }
        JsonNode declared = root.get("mediaType");
        String mediaType = declared != null && declared.isTextual() ? declared.asText() : null;
        if (mediaType != null && KNOWN_MEDIA_TYPES.contains(mediaType)) {
            return Optional.empty();
        }
        Set<Digest> found = new TreeSet<>();
        Deque<JsonNode> pending = new ArrayDeque<>(List.of(root));
        while (!pending.isEmpty()) {
            JsonNode node = pending.pop();
            if (node.isTextual()) {
                collectDigests(node.asText(), found);
            } else {
                node.fieldNames().forEachRemaining(name -> collectDigests(name, found));
                node.elements().forEachRemaining(pending::push);
            }
        }
        List<Reference> references = found.stream().map(d -> new Reference(ReferenceKind.NAMED, d, null, -1)).toList();
        return Optional.of(new ParsedManifest(ManifestKind.UNKNOWN, mediaType, references, Optional.empty()));
    }

    private static void collectDigests(String text, Set<Digest> found) {
        Matcher matcher = DIGEST_LIKE.matcher(text);
        while (matcher.find()) {
            Digest.tryParse(matcher.group()).ifPresent(found::add);
        }
    }

    private static int schemaVersion(Members top) throws ManifestParseException {
        JsonNode value = top.get("schemaVersion");
        if (value == null) {
            throw new ManifestParseException("schemaVersion is missing");
        }
        if (!value.isIntegralNumber() || !value.canConvertToInt()) {
            throw new ManifestParseException("schemaVersion is not an integer: " + abbreviate(value.toString()));
        }
        int version = value.intValue();
        if (version != 1 && version != 2) {
            throw new ManifestParseException("unsupported schemaVersion " + version + " (expected 1 or 2)");
        }
        return version;
    }

    private static ParsedManifest parseSchema1(Members top, String mediaType) throws ManifestParseException {
        JsonNode fsLayers = top.get("fsLayers");
        if (fsLayers == null) {
            throw new ManifestParseException("schemaVersion 1 manifest without fsLayers");
        }
        if (!fsLayers.isArray()) {
            throw new ManifestParseException("fsLayers is not an array but " + describe(fsLayers));
        }
        References refs = new References();
        for (int i = 0; i < fsLayers.size(); i++) {
            String where = "fsLayers[" + i + "]";
            JsonNode entry = fsLayers.get(i);
            if (!entry.isObject()) {
                throw new ManifestParseException(where + " is not an object but " + describe(entry));
            }
            JsonNode blobSum = new Members(entry).get("blobSum");
            if (blobSum == null) {
                throw new ManifestParseException("missing blobSum in " + where);
            }
            refs.add(new Reference(ReferenceKind.LAYER, digest(blobSum, where + ".blobSum"), null, -1));
        }
        return new ParsedManifest(ManifestKind.DOCKER_SCHEMA1, mediaType, refs.list(), Optional.empty());
    }

    private static ParsedManifest parseSchema2(Members top, String mediaType) throws ManifestParseException {
        String normalized = normalize(mediaType);
        boolean docker = normalized.startsWith("application/vnd.docker.");
        ManifestKind kind;
        if (top.get("manifests") != null) {
            kind = docker ? ManifestKind.DOCKER_MANIFEST_LIST : ManifestKind.OCI_INDEX;
        } else if (top.get("config") != null) {
            kind = docker ? ManifestKind.DOCKER_SCHEMA2 : ManifestKind.OCI_MANIFEST;
        } else if (top.get("blobs") != null || normalized.equals(MEDIA_TYPE_OCI_ARTIFACT_MANIFEST)) {
            kind = ManifestKind.OCI_MANIFEST;
        } else {
            throw new ManifestParseException("schemaVersion 2 manifest without config"
                    + " (and without manifests, so not an index either)"
                    + (mediaType == null ? "" : "; mediaType " + abbreviate(mediaType)));
        }

        // the descriptor members, in the order they appear in the document
        List<String> members = new ArrayList<>(List.of("config", "layers", "blobs", "manifests", "subject"));
        members.removeIf(name -> top.get(name) == null);
        members.sort(Comparator.comparingInt(top::position));

        References refs = new References();
        Digest subject = null;
        for (String member : members) {
            JsonNode value = top.get(member);
            switch (member) {
                case "config" -> refs.add(descriptor(value, "config", ReferenceKind.CONFIG));
                case "layers", "blobs" -> {
                    for (Element element : array(value, member)) {
                        refs.add(descriptor(element.node(), member + "[" + element.index() + "]", null));
                    }
                }
                case "manifests" -> {
                    for (Element element : array(value, member)) {
                        refs.add(descriptor(element.node(), "manifests[" + element.index() + "]", ReferenceKind.CHILD));
                    }
                }
                case "subject" -> {
                    Reference ref = descriptor(value, "subject", ReferenceKind.SUBJECT);
                    subject = ref.digest();
                    refs.add(ref);
                }
                default -> throw new IllegalStateException(member);
            }
        }
        return new ParsedManifest(kind, mediaType, refs.list(), Optional.ofNullable(subject));
    }

    /** A descriptor; kind null means a layer, classified by its media type. */
    private static Reference descriptor(JsonNode node, String where, ReferenceKind kind) throws ManifestParseException {
        if (!node.isObject()) {
            throw new ManifestParseException(where + " is not an object but " + describe(node));
        }
        Members members = new Members(node);
        JsonNode digestNode = members.get("digest");
        if (digestNode == null) {
            throw new ManifestParseException("missing digest in " + where);
        }
        Digest digest = digest(digestNode, where);
        String mediaType = optionalString(members, "mediaType", where + ".mediaType");
        long size = -1;
        JsonNode sizeNode = members.get("size");
        if (sizeNode != null) {
            if (!sizeNode.isIntegralNumber() || !sizeNode.canConvertToLong()) {
                throw new ManifestParseException("invalid size in " + where + ": " + abbreviate(sizeNode.toString()));
            }
            size = sizeNode.longValue();
        }
        if (kind == null) {
            kind = isForeign(mediaType) ? ReferenceKind.FOREIGN_LAYER : ReferenceKind.LAYER;
        }
        return new Reference(kind, digest, mediaType, size);
    }

    private static boolean isForeign(String mediaType) {
        String normalized = normalize(mediaType);
        return normalized.contains(".foreign.") || normalized.contains("nondistributable");
    }

    private static Digest digest(JsonNode node, String where) throws ManifestParseException {
        if (!node.isTextual()) {
            throw new ManifestParseException("invalid digest in " + where + ": not a string but " + describe(node));
        }
        try {
            return Digest.parse(node.textValue());
        } catch (IllegalArgumentException e) {
            throw new ManifestParseException("invalid digest in " + where + ": " + e.getMessage(), e);
        }
    }

    private static String optionalString(Members members, String name, String where) throws ManifestParseException {
        JsonNode value = members.get(name);
        if (value == null) {
            return null;
        }
        if (!value.isTextual()) {
            throw new ManifestParseException(where + " is not a string but " + describe(value));
        }
        return value.textValue();
    }

    private record Element(int index, JsonNode node) {
    }

    private static List<Element> array(JsonNode value, String where) throws ManifestParseException {
        if (!value.isArray()) {
            throw new ManifestParseException(where + " is not an array but " + describe(value));
        }
        List<Element> elements = new ArrayList<>(value.size());
        for (int i = 0; i < value.size(); i++) {
            elements.add(new Element(i, value.get(i)));
        }
        return elements;
    }

    private static String normalize(String mediaType) {
        if (mediaType == null) {
            return "";
        }
        int semicolon = mediaType.indexOf(';');
        String base = semicolon >= 0 ? mediaType.substring(0, semicolon) : mediaType;
        return base.trim().toLowerCase(Locale.ROOT);
    }

    private static String describe(JsonNode node) {
        return switch (node.getNodeType()) {
            case ARRAY -> "an array";
            case OBJECT, POJO -> "an object";
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case NULL -> "null";
            default -> node.getNodeType().name().toLowerCase(Locale.ROOT);
        };
    }

    private static String abbreviate(String value) {
        return value.length() > 80 ? value.substring(0, 80) + "..." : value;
    }

    /** The members of a JSON object, looked up like Go's encoding/json does. */
    private static final class Members {
        private final JsonNode node;
        private final List<String> names = new ArrayList<>();

        Members(JsonNode node) {
            this.node = node;
            for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
                names.add(it.next());
            }
        }

        /** The name the document uses for a member: the last that matches, ignoring case. */
        private int index(String name) {
            int found = -1;
            for (int i = 0; i < names.size(); i++) {
                if (names.get(i).equalsIgnoreCase(name)) {
                    found = i;
                }
            }
            return found;
        }

        /** The member's value, or null when it is absent or JSON null. */
        JsonNode get(String name) {
            int i = index(name);
            if (i < 0) {
                return null;
            }
            JsonNode value = node.get(names.get(i));
            return value == null || value.isNull() ? null : value;
        }

        int position(String name) {
            return index(name);
        }
    }

    /** References in order of appearance, without duplicate (kind, digest) pairs. */
    private static final class References {
        private record Key(ReferenceKind kind, Digest digest) {
        }

        private final Map<Key, Reference> byKey = new LinkedHashMap<>();

        void add(Reference reference) {
            byKey.putIfAbsent(new Key(reference.kind(), reference.digest()), reference);
        }

        List<Reference> list() {
            return List.copyOf(byKey.values());
        }
    }
}
