package io.registrygc.policy;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * What one run was asked to do. {@code cutoff} is fixed when the run is created, so a resumed run
 * judges file ages against the same instant as the execution it resumes.
 */
public record GcSettings(Path storageRoot, boolean dryRun, boolean deleteUntagged, Duration minAge,
        Instant cutoff, List<ImageSelector> images) {

    public GcSettings {
        images = List.copyOf(images);
    }

    public boolean hasSelection() {
        return deleteUntagged || !images.isEmpty();
    }
}
