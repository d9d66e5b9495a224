package io.registrygc.policy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Applies one {@link RetentionPolicy} to one repository's tags and manifests: a pure function of what the scan saw and
 * the time of the run, so that a plan can be explained and replayed. Keep beats delete; a tag attached to an image
 * (a signature, an attestation, a referrers tag) shares the fate of its subject rather than being ranked itself.
 */
public final class Retention {

    /** A cosign or OCI referrers tag, {@code sha256-<hex>[.suffix]}: it belongs to the manifest {@code sha256:<hex>}. */
    private static final Pattern ATTACHED = Pattern.compile("sha256-([0-9a-f]{64})(?:\\..*)?");
    /** Most recently pushed first, then by name: the order of {@link Rule.KeepLast} and of last-tag protection. */
    private static final Comparator<TagFacts> NEWEST_FIRST =
            Comparator.comparing(TagFacts::pushed).reversed().thenComparing(TagFacts::tag);

    /** A tag as scanned: what its link points at (empty when the link is corrupt), and when it was last written. */
    public record TagFacts(String tag, Optional<String> digest, Instant pushed) {
        public TagFacts {
            Objects.requireNonNull(tag, "tag");
            Objects.requireNonNull(digest, "digest");
            Objects.requireNonNull(pushed, "pushed");
        }
    }

    /** A manifest of the repository and when it was last written. */
    public record ManifestFacts(String digest, Instant modified) {
        public ManifestFacts {
            Objects.requireNonNull(digest, "digest");
            Objects.requireNonNull(modified, "modified");
        }
    }

    /** When a manifest was last pulled, per the registry's logs, and where they say so ({@code FILE:LINE}). */
    public record LastPull(Instant time, String source) {
        public LastPull {
            Objects.requireNonNull(time, "time");
            Objects.requireNonNull(source, "source");
        }

        String describe() {
            return "pulled " + time + " (log line " + source + ")";
        }
    }

    /** {@code rule} is the policy's label of the deciding rule, null when no rule decided. */
    public record TagDecision(String tag, Verdict verdict, String rule, String reason) {
    }

    /** An untagged manifest to delete, with the label of the rule that deletes it. */
    public record UntaggedDecision(String digest, String rule, String reason) {
    }

    /** Tags sorted by name, untagged manifests by digest. Tags with a corrupt link and kept manifests are absent. */
    public record RepositoryDecisions(List<TagDecision> tags, List<UntaggedDecision> untagged) {
        public RepositoryDecisions {
            tags = List.copyOf(tags);
            untagged = List.copyOf(untagged);
        }
    }

    private Retention() {
    }

    public static RepositoryDecisions decide(RetentionPolicy policy, List<TagFacts> tags, List<ManifestFacts> manifests,
            Instant now) {
        return decide(policy, tags, manifests, Map.of(), now);
    }

    /** The same, with when the repository's manifests were last pulled (by digest), for the pull rules. */
    public static RepositoryDecisions decide(RetentionPolicy policy, List<TagFacts> tags, List<ManifestFacts> manifests,
            Map<String, LastPull> pulls, Instant now) {
        List<TagFacts> linked = tags.stream().filter(t -> t.digest().isPresent()).toList();
        List<TagFacts> ranked = linked.stream().filter(t -> !ATTACHED.matcher(t.tag()).matches()).toList();
        List<Map<String, Integer>> ranks = policy.rules().stream().map(r -> ranks(policy, r, ranked, pulls)).toList();
        Map<String, TagDecision> decided = new LinkedHashMap<>();
        ranked.forEach(t -> decided.put(t.tag(), byRules(policy, ranks, t, pulls, now)));
        protectLastTag(policy, ranked, decided);

        Set<String> tagged = new HashSet<>();
        linked.forEach(t -> tagged.add(t.digest().get()));
        Map<String, UntaggedDecision> untagged = new HashMap<>();
        for (ManifestFacts manifest : manifests) {
            if (!tagged.contains(manifest.digest())) {
                untagged(policy, manifest, pulls.get(manifest.digest()), now).ifPresent(d -> untagged.putIfAbsent(d.digest(), d));
            }
        }

        Map<String, List<TagDecision>> bySubject = new HashMap<>();
        ranked.forEach(t -> bySubject.computeIfAbsent(t.digest().get(), d -> new ArrayList<>()).add(decided.get(t.tag())));
        for (TagFacts tag : linked) {
            Matcher attached = ATTACHED.matcher(tag.tag());
            if (attached.matches()) {
                decided.put(tag.tag(), follow(tag.tag(), "sha256:" + attached.group(1), bySubject, untagged));
            }
        }
        return new RepositoryDecisions(
                decided.values().stream().sorted(Comparator.comparing(TagDecision::tag)).toList(),
                untagged.values().stream().sorted(Comparator.comparing(UntaggedDecision::digest)).toList());
    }

    /**
     * Keep tags, then keep-pulled-within, then keep-last and keep-last-pulled, then the first delete rule that selects
     * the tag; kept when none does.
     */
    private static TagDecision byRules(RetentionPolicy policy, List<Map<String, Integer>> ranks, TagFacts tag,
            Map<String, LastPull> pulls, Instant now) {
        for (Rule rule : policy.rules()) {
            if (rule instanceof Rule.KeepTags keep && keep.keeps(tag.tag())) {
                return new TagDecision(tag.tag(), Verdict.KEEP, policy.label(rule), "kept by " + policy.label(rule));
            }
        }
        LastPull pulled = pulls.get(tag.digest().get());
        for (Rule rule : policy.rules()) {
            if (rule instanceof Rule.KeepPulledWithin recent && pulled != null && recent.keeps(pulled.time(), now)) {
                return new TagDecision(tag.tag(), Verdict.KEEP, policy.label(rule),
                        "kept by " + policy.label(rule) + ": " + pulled.describe());
            }
        }
        for (int i = 0; i < policy.rules().size(); i++) {
            Integer rank = ranks.get(i).get(tag.tag());
            if (policy.rules().get(i) instanceof Rule.KeepLast last && rank != null && rank <= last.count()) {
                return new TagDecision(tag.tag(), Verdict.KEEP, policy.label(last),
                        "kept by " + policy.label(last) + ": number " + rank + " of the most recently pushed");
            }
            if (policy.rules().get(i) instanceof Rule.KeepLastPulled last && rank != null && rank <= last.count()) {
                return new TagDecision(tag.tag(), Verdict.KEEP, policy.label(last), "kept by " + policy.label(last)
                        + ": number " + rank + " of the most recently pulled, " + pulled.describe());
            }
        }
        for (Rule rule : policy.rules()) {
            if (rule instanceof Rule.DeleteTags delete && delete.selects(tag.tag(), tag.pushed(), now)) {
                return new TagDecision(tag.tag(), Verdict.DELETE, policy.label(rule),
                        "deleted by " + policy.label(rule) + ": pushed " + tag.pushed());
            }
        }
        return new TagDecision(tag.tag(), Verdict.KEEP, null, "no rule of policy '" + policy.name() + "' deletes it");
    }

    /**
     * For a keep-last rule, the rank (from 1) of each tag of its group that no keep-tags rule keeps, most recently
     * pushed first; for a keep-last-pulled rule, of each such tag whose manifest was pulled, most recently pulled
     * first; else empty.
     */
    private static Map<String, Integer> ranks(RetentionPolicy policy, Rule rule, List<TagFacts> ranked,
            Map<String, LastPull> pulls) {
        Map<String, Integer> ranks = new HashMap<>();
        List<Rule.KeepTags> keeps = policy.rules().stream()
                .filter(Rule.KeepTags.class::isInstance).map(Rule.KeepTags.class::cast).toList();
        if (rule instanceof Rule.KeepLast last) {
            ranked.stream().filter(t -> last.inGroup(t.tag()) && keeps.stream().noneMatch(k -> k.keeps(t.tag())))
                    .sorted(NEWEST_FIRST).forEach(t -> ranks.putIfAbsent(t.tag(), ranks.size() + 1));
        } else if (rule instanceof Rule.KeepLastPulled) {
            Comparator<TagFacts> lastPulledFirst = Comparator.comparing((TagFacts t) -> pulls.get(t.digest().get()).time())
                    .reversed().thenComparing(TagFacts::tag);
            ranked.stream().filter(t -> pulls.containsKey(t.digest().get()) && keeps.stream().noneMatch(k -> k.keeps(t.tag())))
                    .sorted(lastPulledFirst).forEach(t -> ranks.putIfAbsent(t.tag(), ranks.size() + 1));
        }
        return ranks;
    }

    /** Unless the policy allows it, a repository whose every tag would go keeps its most recently pushed one. */
    private static void protectLastTag(RetentionPolicy policy, List<TagFacts> ranked, Map<String, TagDecision> decided) {
        if (policy.deleteLastTag() || ranked.isEmpty()
                || decided.values().stream().anyMatch(d -> d.verdict() == Verdict.KEEP)) {
            return;
        }
        String last = ranked.stream().sorted(NEWEST_FIRST).findFirst().orElseThrow().tag();
        decided.put(last, new TagDecision(last, Verdict.KEEP, null, "kept: the last remaining tag of the repository"
                + " (policy '" + policy.name() + "' does not set delete-last-tag)"));
    }

    /** An attached tag goes when its subject goes: all the subject's tags are deleted, or it is an untagged delete. */
    private static TagDecision follow(String tag, String subject, Map<String, List<TagDecision>> bySubject,
            Map<String, UntaggedDecision> untagged) {
        List<TagDecision> subjectTags = bySubject.getOrDefault(subject, List.of());
        String rule = null;
        if (!subjectTags.isEmpty() && subjectTags.stream().allMatch(d -> d.verdict() == Verdict.DELETE)) {
            rule = subjectTags.stream().min(Comparator.comparing(TagDecision::tag)).orElseThrow().rule();
        } else if (subjectTags.isEmpty() && untagged.containsKey(subject)) {
            rule = untagged.get(subject).rule();
        }
        return rule == null
                ? new TagDecision(tag, Verdict.KEEP, null, "follows its subject " + subject)
                : new TagDecision(tag, Verdict.DELETE, rule, "follows its subject " + subject + " which is deleted");
    }

    private static Optional<UntaggedDecision> untagged(RetentionPolicy policy, ManifestFacts manifest, LastPull pulled,
            Instant now) {
        boolean pulledRecently = pulled != null && policy.rules().stream()
                .anyMatch(r -> r instanceof Rule.KeepPulledWithin recent && recent.keeps(pulled.time(), now));
        if (pulledRecently) {
            return Optional.empty();
        }
        for (Rule rule : policy.rules()) {
            if (rule instanceof Rule.DeleteUntagged delete && delete.selects(manifest.modified(), now)) {
                return Optional.of(new UntaggedDecision(manifest.digest(), policy.label(rule),
                        "deleted by " + policy.label(rule) + ": untagged, last written " + manifest.modified()));
            }
        }
        return Optional.empty();
    }
}
