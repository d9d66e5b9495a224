package io.registrygc.run;

import io.registrygc.policy.ImageSelector;
import io.registrygc.policy.ProtectedReference;
import io.registrygc.policy.PolicyFile;
import io.registrygc.policy.PolicyFileException;
import io.registrygc.units.Durations;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.springframework.batch.core.job.parameters.InvalidJobParametersException;
import org.springframework.batch.core.job.parameters.JobParameter;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;
import org.springframework.batch.core.job.parameters.JobParametersValidator;

/**
 * {@link GcSettings} as job parameters and back: the one place that knows their names. All are identifying;
 * {@code createdAt} makes each new run a new job instance, while a resumed run reuses the parameters (and so
 * the cutoff) of the one it resumes. Reading accepts booleans stored as text, as earlier versions wrote them.
 */
public final class GcJobParameters {

    public static final String STORAGE_ROOT = "storageRoot";
    public static final String DRY_RUN = "dryRun";
    public static final String DELETE_UNTAGGED = "deleteUntagged";
    public static final String MIN_AGE = "minAge";
    public static final String IMAGES = "images";
    public static final String CREATED_AT = "createdAt";
    /** The retention policies as canonical YAML; absent when the run has none. */
    public static final String RETENTION = "retention";
    /** The run whose dry-run plan this run applies; absent for an ordinary run. */
    public static final String APPLIES_RUN = "appliesRun";
    /** The registry's log files to read pulls from, one path a line; absent when none. */
    public static final String PULL_LOGS = "pullLogs";
    /** The protected references, one {@code REFERENCE<TAB>SOURCE} a line; absent when none. */
    public static final String PROTECT = "protect";

    private GcJobParameters() {
    }

    public static JobParameters of(GcSettings settings) {
        JobParametersBuilder builder = new JobParametersBuilder();
        settings.retention().ifPresent(policies -> builder.addString(RETENTION, policies.toYaml()));
        settings.appliesRun().ifPresent(run -> builder.addLong(APPLIES_RUN, run));
        if (!settings.pullLogs().isEmpty()) {
            builder.addString(PULL_LOGS, String.join("\n", settings.pullLogs().stream().map(Path::toString).toList()));
        }
        if (!settings.protect().isEmpty()) {
            builder.addString(PROTECT, String.join("\n", settings.protect().stream().map(ProtectedReference::encode).toList()));
        }
        return builder
                .addString(STORAGE_ROOT, settings.storageRoot())
                .addJobParameter(DRY_RUN, settings.dryRun(), Boolean.class)
                .addJobParameter(DELETE_UNTAGGED, settings.deleteUntagged(), Boolean.class)
                .addString(MIN_AGE, Durations.format(settings.minAge()))
                .addString(IMAGES, String.join(" ", settings.images().stream().map(ImageSelector::toString).toList()))
                .addString(CREATED_AT, settings.createdAt().toString())
                .toJobParameters();
    }

    /** The settings of a run; IllegalArgumentException naming the parameter when one is missing or invalid. */
    public static GcSettings settings(JobParameters parameters) {
        String images = text(parameters, IMAGES, "");
        List<ImageSelector> selectors = images.isBlank() ? List.of()
                : Arrays.stream(images.trim().split(" +")).map(ImageSelector::parse).toList();
        String retention = text(parameters, RETENTION, "");
        String appliesRun = text(parameters, APPLIES_RUN, "");
        try {
            return new GcSettings(text(parameters, STORAGE_ROOT, null), bool(parameters, DRY_RUN),
                    bool(parameters, DELETE_UNTAGGED), Durations.parse(text(parameters, MIN_AGE, null)), selectors,
                    Instant.parse(text(parameters, CREATED_AT, null)),
                    retention.isEmpty() ? Optional.empty() : Optional.of(PolicyFile.parse(retention, "job parameter " + RETENTION)),
                    appliesRun.isEmpty() ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(appliesRun)),
                    lines(parameters, PULL_LOGS).stream().map(Path::of).toList(),
                    lines(parameters, PROTECT).stream().map(ProtectedReference::decode).toList());
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("job parameter " + CREATED_AT + " is not an instant: " + e.getParsedString());
        } catch (PolicyFileException | NumberFormatException e) {
            throw new IllegalArgumentException("job parameter " + (e instanceof NumberFormatException ? APPLIES_RUN : RETENTION)
                    + " cannot be read: " + e.getMessage());
        }
    }

    /** The settings of a run, or empty when its parameters cannot be read as a run's (history must still list it). */
    public static Optional<GcSettings> readableSettings(JobParameters parameters) {
        try {
            return Optional.of(settings(parameters));
        } catch (IllegalArgumentException unreadable) {
            return Optional.empty();
        }
    }

    /** Refuses, before a job execution is created, parameters that {@link #settings} cannot read. */
    public static JobParametersValidator validator() {
        return parameters -> {
            try {
                settings(parameters);
            } catch (IllegalArgumentException e) {
                throw new InvalidJobParametersException("invalid registry-gc job parameters: " + e.getMessage());
            }
        };
    }

    private static String text(JobParameters parameters, String name, String absent) {
        JobParameter<?> parameter = parameters.getParameter(name);
        if (parameter == null || parameter.value() == null) {
            if (absent == null) {
                throw new IllegalArgumentException("job parameter " + name + " is missing");
            }
            return absent;
        }
        return parameter.value().toString();
    }

    private static List<String> lines(JobParameters parameters, String name) {
        String text = text(parameters, name, "");
        return text.isEmpty() ? List.of() : List.of(text.split("\n"));
    }

    private static boolean bool(JobParameters parameters, String name) {
        String value = text(parameters, name, null);
        if (!value.equals("true") && !value.equals("false")) {
            throw new IllegalArgumentException("job parameter " + name + " is not true or false: " + value);
        }
        return Boolean.parseBoolean(value);
    }
}
