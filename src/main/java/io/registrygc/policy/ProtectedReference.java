package io.registrygc.policy;

import io.registrygc.storage.Digest;
import io.registrygc.storage.RegistryPaths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * An image a cluster runs ({@code --protect}): kept whatever any rule says. By tag, the tag and what it points at
 * stay; by digest, the manifest stays (for an index, all its children). {@code source} says where it was listed
 * ({@code FILE:LINE}).
 */
public record ProtectedReference(String repository, Optional<String> tag, Optional<String> digest, String source) {

    public ProtectedReference {
        Objects.requireNonNull(source, "source");
        if (!RegistryPaths.isValidRepositoryName(repository)) {
            throw new IllegalArgumentException("invalid repository name '" + repository + "'");
        }
        if (tag.isPresent() == digest.isPresent()) {
            throw new IllegalArgumentException("a protected reference names a tag or a digest");
        }
    }

    /** What reading a list of references found: ours, and how many lines were for other registries or unreadable. */
    public record Parsed(List<ProtectedReference> references, int otherRegistries, int malformed, List<String> problems) {
    }

    /**
     * Reads image references one per line, as a cluster reports them ({@code registry.example.com:5000/team/app:1.2},
     * {@code team/app@sha256:...}); blank lines and {@code #} comments are skipped. A reference with a registry host
     * is ours only when it is {@code registryHost} (compared without case); one without a host is always ours. A
     * reference by tag and digest ({@code app:1.2@sha256:...}) protects the digest, which is what runs.
     */
    public static Parsed parse(List<String> lines, String sourceName, Optional<String> registryHost) {
        List<ProtectedReference> references = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        int others = 0;
        int malformed = 0;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String source = sourceName + ":" + (i + 1);
            String name = line;
            int slash = name.indexOf('/');
            if (slash > 0 && looksLikeHost(name.substring(0, slash))) {
                String host = name.substring(0, slash);
                if (registryHost.isEmpty() || !host.toLowerCase(Locale.ROOT).equals(registryHost.get().toLowerCase(Locale.ROOT))) {
                    others++;
                    continue;
                }
                name = name.substring(slash + 1);
            }
            try {
                references.add(reference(name, source));
            } catch (IllegalArgumentException e) {
                malformed++;
                problems.add(source + ": " + e.getMessage());
            }
        }
        return new Parsed(references, others, malformed, problems);
    }

    private static ProtectedReference reference(String name, String source) {
        int at = name.indexOf('@');
        if (at >= 0) {
            Digest digest = Digest.parse(name.substring(at + 1));
            String repository = name.substring(0, at);
            int colon = repository.lastIndexOf(':');
            if (colon > repository.lastIndexOf('/')) {
                repository = repository.substring(0, colon); // repo:tag@digest: what runs is the digest
            }
            return new ProtectedReference(repository, Optional.empty(), Optional.of(digest.toString()), source);
        }
        int colon = name.lastIndexOf(':');
        if (colon > name.lastIndexOf('/')) {
            String tag = name.substring(colon + 1);
            if (!RegistryPaths.isValidTagName(tag)) {
                throw new IllegalArgumentException("invalid tag '" + tag + "'");
            }
            return new ProtectedReference(name.substring(0, colon), Optional.of(tag), Optional.empty(), source);
        }
        return new ProtectedReference(name, Optional.of("latest"), Optional.empty(), source);
    }

    /** Docker's rule: the first component is a registry host when it has a '.' or a ':' or is localhost. */
    private static boolean looksLikeHost(String component) {
        return component.contains(".") || component.contains(":") || component.equals("localhost");
    }

    /** {@code repo:tag} or {@code repo@digest}. */
    @Override
    public String toString() {
        return repository + tag.map(t -> ":" + t).orElseGet(() -> "@" + digest.orElseThrow());
    }

    /** The reference and its source, as one line of a job parameter. */
    public String encode() {
        return this + "\t" + source;
    }

    public static ProtectedReference decode(String line) {
        int tab = line.indexOf('\t');
        return reference(line.substring(0, tab), line.substring(tab + 1));
    }
}
