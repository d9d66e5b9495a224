package io.registrygc.policy;

import java.util.List;
import java.util.Objects;
import java.util.stream.IntStream;

/**
 * Which tags and untagged manifests of the repositories matching {@code repositories} may go. Unless
 * {@code deleteLastTag} is set, a repository never loses its last tag: deleting every tag of an image is rarely meant.
 */
public record RetentionPolicy(String name, List<RepositoryGlob> repositories, List<Rule> rules, boolean deleteLastTag) {

    /** Whether a rule of this policy needs the pull history (so the scan asks for it only then). */
    public boolean usesPulls() {
        return rules.stream().anyMatch(r -> r instanceof Rule.KeepPulledWithin || r instanceof Rule.KeepLastPulled);
    }

    /** The name of the policy for repositories no other policy matches; it matches every repository. */
    public static final String DEFAULT_NAME = "default";

    public RetentionPolicy {
        Objects.requireNonNull(name, "name");
        if (name.isBlank()) {
            throw new IllegalArgumentException("a policy name must not be blank");
        }
        repositories = List.copyOf(repositories);
        rules = List.copyOf(rules);
        if (repositories.isEmpty()) {
            throw new IllegalArgumentException("policy '" + name + "' names no repository");
        }
        if (rules.isEmpty()) {
            throw new IllegalArgumentException("policy '" + name + "' has no rule");
        }
    }

    /** The default policy: named {@value #DEFAULT_NAME}, for every repository ({@code **}). */
    public static RetentionPolicy defaultPolicy(List<Rule> rules, boolean deleteLastTag) {
        return new RetentionPolicy(DEFAULT_NAME, List.of(new RepositoryGlob("**")), rules, deleteLastTag);
    }

    public boolean appliesTo(String repository) {
        return repositories.stream().anyMatch(g -> g.matches(repository));
    }

    /** {@code policy 'NAME' rule N: DESCRIBE}, N counting from 1: names the rule in reasons and accounts. */
    public String label(Rule rule) {
        // the very rule first, so that two equal rules are still told apart
        int index = IntStream.range(0, rules.size()).filter(i -> rules.get(i) == rule).findFirst()
                .orElse(rules.indexOf(rule));
        if (index < 0) {
            throw new IllegalArgumentException("rule " + rule.describe() + " is not one of policy '" + name + "'");
        }
        return "policy '" + name + "' rule " + (index + 1) + ": " + rule.describe();
    }
}
