package io.registrygc.policy;

import io.registrygc.storage.RegistryPaths;
import java.util.Optional;

/** {@code --image REPO} (the whole repository) or {@code --image REPO:TAG} (one tag). */
public record ImageSelector(String repository, Optional<String> tag) {

    public ImageSelector {
        if (!RegistryPaths.isValidRepositoryName(repository)) {
            throw new IllegalArgumentException("invalid repository name '" + repository + "'");
        }
        if (tag.isPresent() && !RegistryPaths.isValidTagName(tag.get())) {
            throw new IllegalArgumentException("invalid tag '" + tag.get() + "'");
        }
    }

    /** Parses {@code REPO} or {@code REPO:TAG}; a registry host prefix is not accepted. */
    public static ImageSelector parse(String value) {
        if (value.contains("@")) {
            throw new IllegalArgumentException("--image takes REPO or REPO:TAG, not a digest: " + value);
        }
        int colon = value.lastIndexOf(':');
        if (colon > value.lastIndexOf('/')) {
            return new ImageSelector(value.substring(0, colon), Optional.of(value.substring(colon + 1)));
        }
        return new ImageSelector(value, Optional.empty());
    }

    public boolean wholeRepository() {
        return tag.isEmpty();
    }

    @Override
    public String toString() {
        return tag.map(t -> repository + ":" + t).orElse(repository);
    }
}
