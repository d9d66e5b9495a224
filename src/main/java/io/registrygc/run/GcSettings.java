package io.registrygc.run;

import io.registrygc.policy.ImageSelector;
import io.registrygc.policy.ProtectedReference;
import io.registrygc.policy.RepositoryGlob;
import io.registrygc.policy.RetentionPolicies;
import io.registrygc.policy.RetentionPolicy;
import io.registrygc.policy.Rule;
import io.registrygc.units.Durations;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What one run was asked to do: the single source of a run's settings. The command line builds it, {@link
 * GcJobParameters} turns it into job parameters and back, and every step receives it built once (late-bound).
 * {@code createdAt} is fixed when the run is created, so a resumed run judges file ages against the same
 * cutoff as the execution it resumes. Adding an option means adding a component here and its line in {@link
 * GcJobParameters}.
 *
 * <p>{@code retention}: the retention policies (a policy file, or the one policy the {@code --keep-last} ... flags
 * make). {@code appliesRun}: set by {@code registry-gc apply}, the run (job instance) of the dry run whose plan
 * this run carries out, and nothing beyond it. {@code pullLogs}: the registry's log files the run reads new pulls
 * from ({@code --pull-log}). {@code protect}: what a cluster runs ({@code --protect}), kept whatever any rule says.
 */
public record GcSettings(String storageRoot, boolean dryRun, boolean deleteUntagged, Duration minAge,
        List<ImageSelector> images, Instant createdAt, Optional<RetentionPolicies> retention,
        OptionalLong appliesRun, List<Path> pullLogs, List<ProtectedReference> protect) {

    public GcSettings(String storageRoot, boolean dryRun, boolean deleteUntagged, Duration minAge,
            List<ImageSelector> images, Instant createdAt) {
        this(storageRoot, dryRun, deleteUntagged, minAge, images, createdAt, Optional.empty(), OptionalLong.empty(),
                List.of(), List.of());
    }

    public GcSettings {
        Objects.requireNonNull(storageRoot, "storageRoot");
        Objects.requireNonNull(minAge, "minAge");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(retention, "retention");
        Objects.requireNonNull(appliesRun, "appliesRun");
        pullLogs = List.copyOf(pullLogs);
        protect = List.copyOf(protect);
        if (appliesRun.isPresent() && dryRun) {
            throw new IllegalArgumentException("applying a plan cannot be a dry run");
        }
        if (minAge.isNegative() || minAge.compareTo(Durations.MAX) > 0) {
            throw new IllegalArgumentException("--min-age is out of range: " + minAge);
        }
        // canonical: the same images in any order are the same selection
        images = images.stream().distinct().sorted(Comparator.comparing(ImageSelector::toString)).toList();
    }

    /**
     * Whether the run's tags decide anything: only where a manifest or a tag may go (--delete-untagged, --image, a
     * retention policy). Otherwise every manifest is kept whatever its tags, as the reference GC keeps them, and the
     * scan does not read tags: on a filesystem they were a third of a cold scan's reads.
     */
    public boolean readsTags() {
        return deleteUntagged || !images.isEmpty() || retention.isPresent();
    }

    /** Files modified after this instant are never deleted (pushes in flight). */
    public Instant cutoff() {
        return createdAt.minus(minAge);
    }

    /** Everything but the creation time: two runs with the same selection do the same thing. */
    public boolean sameSelectionAs(GcSettings other) {
        return storageRoot.equals(other.storageRoot) && dryRun == other.dryRun && deleteUntagged == other.deleteUntagged
                && minAge.equals(other.minAge) && images.equals(other.images) && retention.equals(other.retention)
                && appliesRun.equals(other.appliesRun) && pullLogs.equals(other.pullLogs) && protect.equals(other.protect);
    }

    /** The same settings as a run that carries out the plan of {@code dryRun} (a run of these settings). */
    public GcSettings applying(long dryRunId, Instant now) {
        return new GcSettings(storageRoot, false, deleteUntagged, minAge, images, now, retention, OptionalLong.of(dryRunId),
                pullLogs, protect);
    }

    /** The options as they are written on the command line (without the storage root). */
    public String options() {
        return dryRun ? "--dry-run " + selectionOptions() : selectionOptions();
    }

    /** The policies by name and repositories, with their rules: {@code 'apps' (apps/**): keep-last 5; ...}. */
    static String summary(RetentionPolicies policies) {
        List<String> parts = new ArrayList<>();
        policies.policies().forEach(p -> parts.add(describe(p, p.repositories().stream().map(RepositoryGlob::glob).toList())));
        policies.defaultPolicy().ifPresent(p -> parts.add(describe(p, List.of("default"))));
        return "[" + String.join(" | ", parts) + "]";
    }

    private static String describe(RetentionPolicy policy, List<String> repositories) {
        return "'" + policy.name() + "' (" + String.join(", ", repositories) + "): "
                + String.join("; ", policy.rules().stream().map(Rule::describe).toList())
                + (policy.deleteLastTag() ? "; delete-last-tag" : "");
    }

    /** The options that say what the run deletes: {@link #options()} without {@code --dry-run}. */
    public String selectionOptions() {
        List<String> options = new ArrayList<>();
        if (deleteUntagged) {
            options.add("--delete-untagged");
        }
        options.add("--min-age " + Durations.format(minAge));
        images.forEach(image -> options.add("--image " + image));
        retention.ifPresent(policies -> options.add("--retention " + summary(policies)));
        pullLogs.forEach(log -> options.add("--pull-log " + log));
        if (!protect.isEmpty()) {
            options.add("--protect (" + protect.size() + " references)");
        }
        appliesRun.ifPresent(run -> options.add("(applies the plan of run " + run + ")"));
        return String.join(" ", options);
    }
}
