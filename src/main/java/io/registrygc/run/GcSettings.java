package io.registrygc.run;

import io.registrygc.policy.ImageSelector;
import io.registrygc.units.Durations;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * What one run was asked to do: the single source of a run's settings. The command line builds it, {@link
 * GcJobParameters} turns it into job parameters and back, and every step receives it built once (late-bound).
 * {@code createdAt} is fixed when the run is created, so a resumed run judges file ages against the same
 * cutoff as the execution it resumes. Adding an option means adding a component here and its line in {@link
 * GcJobParameters}.
 */
public record GcSettings(Path storageRoot, boolean dryRun, boolean deleteUntagged, Duration minAge,
        List<ImageSelector> images, Instant createdAt) {

    public GcSettings {
        Objects.requireNonNull(storageRoot, "storageRoot");
        Objects.requireNonNull(minAge, "minAge");
        Objects.requireNonNull(createdAt, "createdAt");
        if (minAge.isNegative() || minAge.compareTo(Durations.MAX) > 0) {
            throw new IllegalArgumentException("--min-age is out of range: " + minAge);
        }
        // canonical: the same images in any order are the same selection
        images = images.stream().distinct().sorted(Comparator.comparing(ImageSelector::toString)).toList();
    }

    /** Files modified after this instant are never deleted (pushes in flight). */
    public Instant cutoff() {
        return createdAt.minus(minAge);
    }

    /** Everything but the creation time: two runs with the same selection do the same thing. */
    public boolean sameSelectionAs(GcSettings other) {
        return storageRoot.equals(other.storageRoot) && dryRun == other.dryRun && deleteUntagged == other.deleteUntagged
                && minAge.equals(other.minAge) && images.equals(other.images);
    }

    /** The options as they are written on the command line (without the storage root). */
    public String options() {
        return dryRun ? "--dry-run " + selectionOptions() : selectionOptions();
    }

    /** The options that say what the run deletes: {@link #options()} without {@code --dry-run}. */
    public String selectionOptions() {
        List<String> options = new ArrayList<>();
        if (deleteUntagged) {
            options.add("--delete-untagged");
        }
        options.add("--min-age " + Durations.format(minAge));
        images.forEach(image -> options.add("--image " + image));
        return String.join(" ", options);
    }
}
