package io.registrygc.job;

import io.registrygc.policy.GcSettings;
import io.registrygc.policy.ImageSelector;
import io.registrygc.policy.MinAge;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;

/**
 * The job parameters of a run, and back. All are identifying; {@code createdAt} makes each new run a
 * new job instance, while a resumed run reuses the parameters (and so the cutoff) of the one it resumes.
 */
public final class GcJobParameters {

    public static final String STORAGE_ROOT = "storageRoot";
    public static final String DRY_RUN = "dryRun";
    public static final String DELETE_UNTAGGED = "deleteUntagged";
    public static final String MIN_AGE = "minAge";
    public static final String IMAGES = "images";
    public static final String CREATED_AT = "createdAt";

    private GcJobParameters() {
    }

    public static JobParameters toParameters(GcSettings settings, Instant createdAt) {
        return new JobParametersBuilder()
                .addString(STORAGE_ROOT, settings.storageRoot().toString())
                .addString(DRY_RUN, Boolean.toString(settings.dryRun()))
                .addString(DELETE_UNTAGGED, Boolean.toString(settings.deleteUntagged()))
                .addString(MIN_AGE, MinAge.format(settings.minAge()))
                .addString(IMAGES, imagesKey(settings.images()))
                .addString(CREATED_AT, createdAt.toString())
                .toJobParameters();
    }

    public static GcSettings toSettings(JobParameters parameters) {
        Duration minAge = MinAge.parse(Objects.requireNonNull(parameters.getString(MIN_AGE)));
        Instant createdAt = Instant.parse(Objects.requireNonNull(parameters.getString(CREATED_AT)));
        String images = parameters.getString(IMAGES);
        List<ImageSelector> selectors = images == null || images.isEmpty() ? List.of()
                : Arrays.stream(images.split(" ")).map(ImageSelector::parse).toList();
        return new GcSettings(Path.of(Objects.requireNonNull(parameters.getString(STORAGE_ROOT))),
                Boolean.parseBoolean(parameters.getString(DRY_RUN)),
                Boolean.parseBoolean(parameters.getString(DELETE_UNTAGGED)), minAge, createdAt.minus(minAge), selectors);
    }

    /** A canonical form of the selection: the same images in any order give the same key. */
    public static String imagesKey(List<ImageSelector> images) {
        return String.join(" ", images.stream().map(ImageSelector::toString).sorted().distinct().toList());
    }

    /** The parameters that say what a run does, to tell whether a rerun asks for the same thing. */
    public static String selectionKey(JobParameters parameters) {
        return String.join("|", parameters.getString(STORAGE_ROOT), parameters.getString(DRY_RUN),
                parameters.getString(DELETE_UNTAGGED), parameters.getString(MIN_AGE), parameters.getString(IMAGES));
    }
}
