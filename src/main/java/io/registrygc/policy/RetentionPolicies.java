package io.registrygc.policy;

import io.registrygc.units.Durations;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collector;
import java.util.stream.Collectors;

/**
 * The retention policies of a run: the first policy whose globs match a repository governs it, else the default
 * policy, else none (the repository loses no tag). Policy names are unique, so rule labels name one rule.
 */
public record RetentionPolicies(List<RetentionPolicy> policies, Optional<RetentionPolicy> defaultPolicy) {

    /** The name of the one policy {@link #fromFlags} builds. */
    public static final String COMMAND_LINE = "command line";

    public RetentionPolicies {
        policies = List.copyOf(policies);
        Objects.requireNonNull(defaultPolicy, "defaultPolicy");
        defaultPolicy.ifPresent(d -> {
            if (!d.equals(RetentionPolicy.defaultPolicy(d.rules(), d.deleteLastTag()))) {
                throw new IllegalArgumentException("the default policy must be named '" + RetentionPolicy.DEFAULT_NAME
                        + "' and apply to every repository (**)");
            }
        });
        Set<String> names = new HashSet<>();
        for (RetentionPolicy policy : policies) {
            if (!names.add(policy.name()) || defaultPolicy.isPresent() && policy.name().equals(RetentionPolicy.DEFAULT_NAME)) {
                throw new IllegalArgumentException("two policies are named '" + policy.name() + "'");
            }
        }
    }

    public Optional<RetentionPolicy> policyFor(String repository) {
        return policies.stream().filter(p -> p.appliesTo(repository)).findFirst().or(() -> defaultPolicy);
    }

    /**
     * The policies from the command line, with GitLab cleanup-policy semantics: tags matching {@code --keep-tags}
     * are set aside and always kept; of the tags {@code --delete-tags} selects (all tags without it), the
     * {@code --keep-last} most recently pushed are kept; the others are deleted when every other selector given
     * ({@code --delete-tags}, {@code --older-than}) selects them. Any argument may be null or empty when not given.
     *
     * @throws IllegalArgumentException naming the flag, for a bad value or when no rule would delete anything
     */
    public static RetentionPolicies fromFlags(List<String> repositoryGlobs, List<String> keepTags, Integer keepLast,
            Duration olderThan, String deleteTags, boolean deleteUntagged) {
        return fromFlags(repositoryGlobs, keepTags, keepLast, olderThan, deleteTags, deleteUntagged, null, null);
    }

    /** The same, with the pull-history rules {@code --keep-pulled-within} and {@code --keep-last-pulled}. */
    public static RetentionPolicies fromFlags(List<String> repositoryGlobs, List<String> keepTags, Integer keepLast,
            Duration olderThan, String deleteTags, boolean deleteUntagged, Duration keepPulledWithin,
            Integer keepLastPulled) {
        List<String> globs = repositoryGlobs == null ? List.of() : repositoryGlobs;
        List<String> keep = keepTags == null ? List.of() : keepTags;
        if (keepLast == null && olderThan == null && deleteTags == null && !deleteUntagged) {
            throw new IllegalArgumentException("--keep-tags, --keep-pulled-within, --keep-last-pulled and --repository"
                    + " only protect or limit; give --keep-last,"
                    + " --older-than, --delete-tags or --delete-untagged to delete anything");
        }
        if (keepLast != null && keepLast < 1) {
            throw new IllegalArgumentException("--keep-last must be at least 1");
        }
        if (olderThan != null && olderThan.isNegative()) {
            throw new IllegalArgumentException("--older-than must not be negative");
        }
        List<RepositoryGlob> repositories = globs.isEmpty() ? List.of(new RepositoryGlob("**"))
                : flag("--repository", globs, RepositoryGlob::new);
        List<TagPattern> kept = flag("--keep-tags", keep, TagPattern::new);
        Optional<TagPattern> deleted = deleteTags == null ? Optional.empty()
                : Optional.of(flag("--delete-tags", List.of(deleteTags), TagPattern::new).get(0));
        List<Rule> rules = new ArrayList<>();
        if (!kept.isEmpty()) {
            rules.add(new Rule.KeepTags(kept));
        }
        if (keepPulledWithin != null) {
            if (keepPulledWithin.isNegative()) {
                throw new IllegalArgumentException("--keep-pulled-within must not be negative");
            }
            rules.add(new Rule.KeepPulledWithin(keepPulledWithin));
        }
        if (keepLastPulled != null) {
            if (keepLastPulled < 1) {
                throw new IllegalArgumentException("--keep-last-pulled must be at least 1");
            }
            rules.add(new Rule.KeepLastPulled(keepLastPulled));
        }
        if (keepLast != null) {
            // of the tags --keep-tags leaves, the N most recent stay; --delete-tags only narrows what goes of the rest
            rules.add(new Rule.KeepLast(keepLast, Optional.empty()));
        }
        if (keepLast != null || olderThan != null || deleteTags != null) {
            rules.add(new Rule.DeleteTags(deleted, Optional.ofNullable(olderThan)));
        }
        if (deleteUntagged) {
            rules.add(new Rule.DeleteUntagged(Duration.ZERO));
        }
        return new RetentionPolicies(List.of(new RetentionPolicy(COMMAND_LINE, repositories, rules, false)), Optional.empty());
    }

    private static <T> List<T> flag(String flag, List<String> values, Function<String, T> parse) {
        try {
            return values.stream().map(parse).toList();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(flag + ": " + e.getMessage(), e);
        }
    }

    /** The policies as a policy file in canonical form: {@link PolicyFile#parse} reads it back into an equal object. */
    public String toYaml() {
        StringBuilder yaml = new StringBuilder();
        if (policies.isEmpty()) {
            yaml.append("policies: []\n");
        } else {
            yaml.append("policies:\n");
            for (RetentionPolicy policy : policies) {
                yaml.append("  - name: ").append(quote(policy.name())).append('\n');
                yaml.append("    repositories: ")
                        .append(policy.repositories().stream().map(g -> quote(g.glob())).collect(list())).append('\n');
                appendBody(yaml, policy, "    ");
            }
        }
        defaultPolicy.ifPresent(d -> appendBody(yaml.append("default:\n"), d, "  "));
        return yaml.toString();
    }

    private static void appendBody(StringBuilder yaml, RetentionPolicy policy, String indent) {
        yaml.append(indent).append("delete-last-tag: ").append(policy.deleteLastTag()).append('\n');
        yaml.append(indent).append("rules:\n");
        for (Rule rule : policy.rules()) {
            yaml.append(indent).append("  - ");
            String options = indent + "    ";
            if (rule instanceof Rule.KeepTags k) {
                yaml.append("keep-tags: ").append(k.patterns().stream().map(p -> quote(p.regex())).collect(list()));
            } else if (rule instanceof Rule.KeepPulledWithin k) {
                yaml.append("keep-pulled-within: ").append(Durations.format(k.within()));
            } else if (rule instanceof Rule.KeepLastPulled k) {
                yaml.append("keep-last-pulled: ").append(k.count());
            } else if (rule instanceof Rule.KeepLast k) {
                yaml.append("keep-last: ").append(k.count());
                k.tags().ifPresent(p -> yaml.append('\n').append(options).append("tags: ").append(quote(p.regex())));
            } else if (rule instanceof Rule.DeleteTags d && d.tags().isPresent()) {
                yaml.append("delete-tags: ").append(quote(d.tags().get().regex()));
                d.olderThan().ifPresent(o -> yaml.append('\n').append(options).append("older-than: ")
                        .append(Durations.format(o)));
            } else if (rule instanceof Rule.DeleteTags d && d.olderThan().isPresent()) {
                yaml.append("delete-older-than: ").append(Durations.format(d.olderThan().get()));
            } else if (rule instanceof Rule.DeleteTags) {
                yaml.append("delete-all-tags: true");
            } else if (rule instanceof Rule.DeleteUntagged u) {
                yaml.append("delete-untagged-older-than: ").append(Durations.format(u.olderThan()));
            }
            yaml.append('\n');
        }
    }

    private static Collector<CharSequence, ?, String> list() {
        return Collectors.joining(", ", "[", "]");
    }

    /** A YAML scalar that reads back as exactly {@code text}: single-quoted, or double-quoted with escapes. */
    static String quote(String text) {
        if (text.chars().allMatch(RetentionPolicies::printable)) {
            return "'" + text.replace("'", "''") + "'";
        }
        StringBuilder quoted = new StringBuilder("\"");
        text.chars().forEach(c -> quoted.append(c == '"' || c == '\\' ? "\\" + (char) c
                : printable(c) ? String.valueOf((char) c) : String.format("\\u%04x", c)));
        return quoted.append('"').toString();
    }

    private static boolean printable(int c) {
        return c >= 0x20 && c != 0x7f && !(c >= 0x80 && c <= 0x9f) && c != 0x2028 && c != 0x2029 && c != 0xfeff;
    }
}
