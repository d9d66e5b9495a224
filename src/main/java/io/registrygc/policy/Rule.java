package io.registrygc.policy;

import io.registrygc.units.Durations;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * One rule of a {@link RetentionPolicy}. Keep rules beat delete rules whatever their order; the order only decides
 * which rule is named as the reason when several apply.
 */
public sealed interface Rule {

    /** The canonical short text of the rule, used in reasons and as the key rules are accounted by. */
    String describe();

    /** Tags matching any of the patterns are always kept, and are not counted by {@link KeepLast}. */
    record KeepTags(List<TagPattern> patterns) implements Rule {

        public KeepTags {
            patterns = List.copyOf(patterns);
            if (patterns.isEmpty()) {
                throw new IllegalArgumentException("keep-tags needs at least one pattern");
            }
        }

        public boolean keeps(String tag) {
            return patterns.stream().anyMatch(p -> p.matches(tag));
        }

        @Override
        public String describe() {
            return "keep-tags " + patterns.stream().map(p -> quoted(p)).collect(Collectors.joining(", "));
        }
    }

    /**
     * Of the tags in the group ({@code tags}, or all tags when empty) that no {@link KeepTags} keeps, the
     * {@code count} most recently pushed are kept.
     */
    record KeepLast(int count, Optional<TagPattern> tags) implements Rule {

        public KeepLast {
            Objects.requireNonNull(tags, "tags");
            if (count < 1) {
                throw new IllegalArgumentException("keep-last must be at least 1, not " + count);
            }
        }

        public boolean inGroup(String tag) {
            return tags.map(p -> p.matches(tag)).orElse(true);
        }

        @Override
        public String describe() {
            return "keep-last " + count + tags.map(p -> " of " + quoted(p)).orElse("");
        }
    }

    /**
     * Selects a tag when every condition given holds: its name matches {@code tags}, and it was pushed at or before
     * {@code now - olderThan}. With neither it selects every tag: what {@code --keep-last N} alone deletes.
     */
    record DeleteTags(Optional<TagPattern> tags, Optional<Duration> olderThan) implements Rule {

        public DeleteTags {
            Objects.requireNonNull(tags, "tags");
            requireNotNegative(olderThan.orElse(Duration.ZERO));
        }

        public boolean selects(String tag, Instant pushed, Instant now) {
            return tags.map(p -> p.matches(tag)).orElse(true)
                    && olderThan.map(d -> !pushed.isAfter(now.minus(d))).orElse(true);
        }

        @Override
        public String describe() {
            if (tags.isEmpty() && olderThan.isEmpty()) {
                return "delete-tags (all)";
            }
            return "delete-tags" + tags.map(p -> " " + quoted(p)).orElse("")
                    + olderThan.map(d -> " older than " + Durations.format(d)).orElse("");
        }
    }

    /**
     * A tag whose manifest was pulled at or after {@code now - within} is kept, and so is an untagged manifest pulled
     * then: the pull history comes from the registry's own logs ({@code --pull-log}).
     */
    record KeepPulledWithin(Duration within) implements Rule {

        public KeepPulledWithin {
            requireNotNegative(within);
        }

        public boolean keeps(Instant lastPulled, Instant now) {
            return !lastPulled.isBefore(now.minus(within));
        }

        @Override
        public String describe() {
            return "keep-pulled-within " + Durations.format(within);
        }
    }

    /** Of the tags no {@link KeepTags} keeps, the {@code count} whose manifests were pulled most recently are kept. */
    record KeepLastPulled(int count) implements Rule {

        public KeepLastPulled {
            if (count < 1) {
                throw new IllegalArgumentException("keep-last-pulled must be at least 1, not " + count);
            }
        }

        @Override
        public String describe() {
            return "keep-last-pulled " + count;
        }
    }

    /** A manifest no tag points at, last written at or before {@code now - olderThan}, is deleted. */
    record DeleteUntagged(Duration olderThan) implements Rule {

        public DeleteUntagged {
            requireNotNegative(olderThan);
        }

        public boolean selects(Instant modified, Instant now) {
            return !modified.isAfter(now.minus(olderThan));
        }

        @Override
        public String describe() {
            return olderThan.isZero() ? "delete-untagged" : "delete-untagged older than " + Durations.format(olderThan);
        }
    }

    private static String quoted(TagPattern pattern) {
        return "'" + pattern.regex() + "'";
    }

    private static void requireNotNegative(Duration duration) {
        if (duration.isNegative()) {
            throw new IllegalArgumentException("a duration must not be negative: " + duration);
        }
    }
}
