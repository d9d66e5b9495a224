package io.registrygc.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.registrygc.policy.Rule.DeleteTags;
import io.registrygc.policy.Rule.DeleteUntagged;
import io.registrygc.policy.Rule.KeepLast;
import io.registrygc.policy.Rule.KeepTags;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The policy file: a full example, the canonical rendering read back, and each kind of mistake with its line and key. */
class PolicyFileTest {

    private static final String SOURCE = "policies.yaml";

    /** The policy file the README shows parses, with the policies it describes. */
    @Test
    void theReadmeExampleParses() throws java.io.IOException {
        String readme = java.nio.file.Files.readString(java.nio.file.Path.of(System.getProperty("basedir", "."), "README.md"));
        int start = readme.indexOf("```yaml\npolicies:");
        assertThat(start).as("the README's policy example").isNotNegative();
        String yaml = readme.substring(start + "```yaml\n".length(), readme.indexOf("```", start + 7));
        RetentionPolicies policies = PolicyFile.parse(yaml, "README.md");
        assertThat(policies.policies()).hasSize(1);
        assertThat(policies.policies().get(0).rules()).hasSize(6);
        assertThat(policies.defaultPolicy()).isPresent();
        assertThat(policies.policyFor("apps/web/frontend")).contains(policies.policies().get(0));
        assertThat(policies.policyFor("other")).isEqualTo(policies.defaultPolicy());
    }

    private static final String FULL = """
            # first matching policy wins; 'default' applies to repositories no policy matches
            policies:
              - name: releases
                repositories: ["apps/**", "tools/*"]
                delete-last-tag: false
                rules:
                  - keep-tags: ['^latest$', '^v\\d+\\.\\d+\\.\\d+$']
                  - keep-last: 5
                    tags: '^release-.*'
                  - delete-tags: '^pr-.*'
                    older-than: 1d
                  - delete-older-than: 30d
                    tags: '^dev-.*'
                  - delete-untagged-older-than: 7d
              - repositories: ci/*
                delete-last-tag: true
                rules:
                  - keep-tags: main
                  - delete-older-than: PT36H
                  - delete-all-tags: true
            default:
              rules:
                - delete-untagged-older-than: 14d
            """;

    private static TagPattern p(String regex) {
        return new TagPattern(regex);
    }

    @Test
    void aFullFile() {
        RetentionPolicies parsed = PolicyFile.parse(FULL, SOURCE);
        RetentionPolicy releases = new RetentionPolicy("releases", List.of(new RepositoryGlob("apps/**"), new RepositoryGlob("tools/*")),
                List.of(new KeepTags(List.of(p("^latest$"), p("^v\\d+\\.\\d+\\.\\d+$"))),
                        new KeepLast(5, Optional.of(p("^release-.*"))),
                        new DeleteTags(Optional.of(p("^pr-.*")), Optional.of(Duration.ofDays(1))),
                        new DeleteTags(Optional.of(p("^dev-.*")), Optional.of(Duration.ofDays(30))),
                        new DeleteUntagged(Duration.ofDays(7))), false);
        RetentionPolicy ci = new RetentionPolicy("ci/*", List.of(new RepositoryGlob("ci/*")),
                List.of(new KeepTags(List.of(p("main"))), new DeleteTags(Optional.empty(), Optional.of(Duration.ofHours(36))),
                        new DeleteTags(Optional.empty(), Optional.empty())), true);
        RetentionPolicy fallback = RetentionPolicy.defaultPolicy(List.of(new DeleteUntagged(Duration.ofDays(14))), false);
        assertThat(parsed).isEqualTo(new RetentionPolicies(List.of(releases, ci), Optional.of(fallback)));
        assertThat(parsed.policyFor("apps/a/b")).contains(releases);
        assertThat(parsed.policyFor("ci/x")).contains(ci);
        assertThat(parsed.policyFor("ci/x/y")).contains(fallback);
        assertThat(fallback.label(fallback.rules().get(0))).isEqualTo("policy 'default' rule 1: delete-untagged older than 2w");
    }

    @Test
    void onlyADefault() {
        RetentionPolicies parsed = PolicyFile.parse("default:\n  delete-last-tag: true\n  rules: [{keep-last: 3}, {delete-all-tags: true}]\n", SOURCE);
        assertThat(parsed).isEqualTo(new RetentionPolicies(List.of(), Optional.of(RetentionPolicy.defaultPolicy(
                List.of(new KeepLast(3, Optional.empty()), new DeleteTags(Optional.empty(), Optional.empty())), true))));
    }

    @Test
    void theCanonicalRenderingReadsBackEqual() {
        RetentionPolicies rich = PolicyFile.parse(FULL, SOURCE);
        assertThat(PolicyFile.parse(rich.toYaml(), "rendered")).isEqualTo(rich);
        RetentionPolicy awkward = new RetentionPolicy("it's \"odd\": #1 \\ \t tab", List.of(new RepositoryGlob("a/b.c"),
                new RepositoryGlob("**")), List.of(new KeepTags(List.of(p("it's"), p("a\\'b\"c"), p("\\n"), p(" x "), p("x: y #z"),
                p("\u00e9\u2028"))), new KeepLast(1, Optional.of(p("[']"))), new DeleteUntagged(Duration.ofMillis(1500)),
                new DeleteTags(Optional.of(p("~")), Optional.of(Duration.ZERO))), true);
        RetentionPolicies tricky = new RetentionPolicies(List.of(awkward), Optional.empty());
        assertThat(PolicyFile.parse(tricky.toYaml(), "rendered")).isEqualTo(tricky);
        RetentionPolicies flags = RetentionPolicies.fromFlags(List.of("apps/*"), List.of("latest"), 3, Duration.ofDays(2), "pr-.*", true);
        assertThat(PolicyFile.parse(flags.toYaml(), "rendered")).isEqualTo(flags);
        assertThat(RetentionPolicies.fromFlags(null, null, 2, null, null, false).toYaml()).isEqualTo("""
                policies:
                  - name: 'command line'
                    repositories: ['**']
                    delete-last-tag: false
                    rules:
                      - keep-last: 2
                      - delete-all-tags: true
                """);
    }

    @Test
    void readsAFileAndNamesItInErrors(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("p.yaml"), FULL);
        assertThat(PolicyFile.read(file)).isEqualTo(PolicyFile.parse(FULL, SOURCE));
        Path bad = Files.writeString(dir.resolve("bad.yaml"), "policies: []\n");
        assertThatThrownBy(() -> PolicyFile.read(bad)).hasMessage(bad + ":1: policies: no policies and no default: the file would decide nothing");
        Path missing = dir.resolve("missing.yaml");
        PolicyFileException e = catchError(() -> PolicyFile.read(missing));
        assertThat(e.source()).isEqualTo(missing.toString());
        assertThat(e.line()).isZero();
        assertThat(e.key()).isEqualTo("(file)");
        assertThat(e.getMessage()).startsWith(missing + ":0: (file): cannot be read: java.nio.file.NoSuchFileException");
    }

    // --- mistakes: each names the file, the line and the key

    private static PolicyFileException catchError(ThrowingCallable call) {
        Throwable thrown = org.assertj.core.api.Assertions.catchThrowable(call);
        assertThat(thrown).isInstanceOf(PolicyFileException.class);
        return (PolicyFileException) thrown;
    }

    /** Asserts the one error {@code yaml} gives: where, and a part of what. */
    private static PolicyFileException assertError(String yaml, int line, String key, String problem) {
        PolicyFileException e = catchError(() -> PolicyFile.parse(yaml, SOURCE));
        assertThat(e.source()).isEqualTo(SOURCE);
        assertThat(e.line()).as("line of " + e.getMessage()).isEqualTo(line);
        assertThat(e.key()).as("key of " + e.getMessage()).isEqualTo(key);
        assertThat(e.getMessage()).startsWith(SOURCE + ":" + line + ": " + key + ": ").contains(problem);
        return e;
    }

    /** A file with one policy {@code p} over {@code r/*} whose rules are the given lines (at the rules' indentation). */
    private static String withRules(String... ruleLines) {
        return "policies:\n  - name: p\n    repositories: r/*\n    rules:\n" + String.join("\n", ruleLines).indent(6);
    }

    @Test
    void invalidYaml() {
        PolicyFileException e = assertError("policies:\n  - name: a: b\n", 2, "(syntax)", "invalid YAML: mapping values are not allowed here");
        assertThat(e.getCause()).isInstanceOf(org.yaml.snakeyaml.error.MarkedYAMLException.class);
        assertError("policies:\n  - name: 'open\n    rules: []\n", 4, "(syntax)", "invalid YAML:");
        assertError("default: {}\n---\ndefault: {}\n", 2, "(syntax)", "expected a single document");
    }

    @Test
    void emptyDocument() {
        assertError("", 1, "(document)", "the file is empty");
        assertError("# nothing yet\n\n", 1, "(document)", "the file is empty");
    }

    @Test
    void topLevelNotAMapping() {
        assertError("\n- policies\n", 2, "(document)", "the top level must be a mapping with the keys policies, default, not a list");
        assertError("policies\n", 1, "(document)", "not a single value");
    }

    @Test
    void unknownKeysAtEveryLevel() {
        assertError("policies: []\ndefaults: {}\n", 2, "defaults", "unknown key; allowed here: policies, default");
        assertError("policies:\n  - name: p\n    repository: r\n", 3, "policies[1].repository",
                "unknown key; allowed here: name, repositories, delete-last-tag, rules");
        assertError("default:\n  rules: [{delete-all-tags: true}]\n  keep-last: 2\n", 3, "default.keep-last",
                "unknown key; allowed here: delete-last-tag, rules");
        assertError(withRules("- keep-last: 1", "- keep-lats: 5"), 6, "policies[1].rules[2].keep-lats",
                "unknown key; allowed here: keep-tags, keep-last, keep-pulled-within, keep-last-pulled, delete-tags,"
                        + " delete-older-than, delete-all-tags, delete-untagged-older-than, tags, older-than");
    }

    @Test
    void theDefaultTakesNoNameNorRepositories() {
        assertError("default:\n  name: x\n  rules: [{delete-all-tags: true}]\n", 2, "default.name", "always named 'default'");
        assertError("default:\n  rules: [{delete-all-tags: true}]\n  repositories: '**'\n", 3, "default.repositories",
                "applies to every repository");
    }

    @Test
    void ruleItemWithoutARuleKey() {
        assertError(withRules("- keep-last: 1", "- tags: x"), 6, "policies[1].rules[2]",
                "a rule needs exactly one of keep-tags, keep-last, keep-pulled-within, keep-last-pulled, delete-tags");
        assertError(withRules("- {}"), 5, "policies[1].rules[1]", "a rule needs exactly one of");
        assertError(withRules("- keep-last"), 5, "policies[1].rules[1]", "expected a mapping (key: value lines), not a single value");
    }

    @Test
    void ruleItemWithTwoRuleKeys() {
        assertError(withRules("- keep-last: 5", "  delete-tags: x"), 6, "policies[1].rules[1].delete-tags",
                "one rule per list item: this item already has keep-last");
    }

    @Test
    void optionOfAnotherRule() {
        assertError(withRules("- keep-tags: x", "  older-than: 1d"), 6, "policies[1].rules[1].older-than",
                "does not belong to keep-tags (keep-tags takes no options)");
        assertError(withRules("- delete-tags: x", "  tags: y"), 6, "policies[1].rules[1].tags",
                "does not belong to delete-tags (delete-tags takes older-than)");
        assertError(withRules("- keep-last: 2", "  older-than: 1d"), 6, "policies[1].rules[1].older-than",
                "(keep-last takes tags)");
    }

    @Test
    void wrongTypes() {
        assertError("policies:\n  - name: p\n    repositories: {a: b}\n    rules: []\n", 3, "policies[1].repositories",
                "expected a single value, not a mapping");
        assertError("policies:\n  - name: p\n    repositories: r\n    rules: keep-last\n", 4, "policies[1].rules",
                "expected a list, not a single value");
        assertError("policies: {p: 1}\n", 1, "policies", "expected a list, not a mapping");
        assertError("default: [a]\n", 1, "default", "expected a mapping (key: value lines), not a list");
        assertError("policies:\n  - r/*\n", 2, "policies[1]", "expected a mapping");
        assertError(withRules("- keep-tags:", "    - [a]"), 6, "policies[1].rules[1].keep-tags[1]", "expected a single value, not a list");
        assertError(withRules("- keep-last: 2", "  tags: [a, b]"), 6, "policies[1].rules[1].tags", "expected a single value, not a list");
        assertError("policies:\n  - name:\n    repositories: r\n", 2, "policies[1].name", "needs a value");
        assertError("policies:\n  - [a]: b\n", 2, "policies[1].(key)", "expected a single value, not a list");
    }

    @Test
    void badRegex() {
        assertError(withRules("- keep-tags:", "    - ok", "    - 'v('"), 7, "policies[1].rules[1].keep-tags[2]",
                "invalid regex 'v(': Unclosed group");
        assertError(withRules("- delete-tags: '['"), 5, "policies[1].rules[1].delete-tags", "invalid regex '['");
        assertError(withRules("- delete-older-than: 1d", "  tags: '*'"), 6, "policies[1].rules[1].tags", "Dangling meta character");
    }

    @Test
    void badDuration() {
        assertError(withRules("- delete-tags: x", "  older-than: 3x"), 6, "policies[1].rules[1].older-than",
                "'3x' is not a duration (examples: ");
        assertError(withRules("- delete-untagged-older-than: 5"), 5, "policies[1].rules[1].delete-untagged-older-than",
                "'5' needs a unit");
        assertError(withRules("- delete-older-than: -1d"), 5, "policies[1].rules[1].delete-older-than", "is not a duration");
    }

    @Test
    void keepLastNotAPositiveInteger() {
        for (String value : List.of("0", "-1", "1.5", "five", "99999999999", "'  '")) {
            assertError(withRules("- keep-last: " + value), 5, "policies[1].rules[1].keep-last", "must be a positive whole number");
        }
        assertThat(PolicyFile.parse(withRules("- keep-last: 007"), SOURCE).policies().get(0).rules())
                .containsExactly(new KeepLast(7, Optional.empty()));
    }

    @Test
    void deleteLastTagNotABoolean() {
        assertError("policies:\n  - repositories: r\n    delete-last-tag: yes\n    rules: [{delete-all-tags: true}]\n", 3,
                "policies[1].delete-last-tag", "must be true or false, not 'yes'");
        assertError(withRules("- delete-all-tags: false"), 5, "policies[1].rules[1].delete-all-tags", "must be true");
    }

    @Test
    void emptyOrMissingRepositories() {
        assertError("policies:\n  - name: p\n    repositories: []\n    rules: [{keep-last: 1}]\n", 3,
                "policies[1].repositories", "must not be empty");
        assertError("policies:\n  - name: p\n    repositories: ['a', '']\n    rules: [{keep-last: 1}]\n", 3,
                "policies[1].repositories[2]", "a repository glob must not be empty");
        assertError("policies:\n  - name: p\n    rules: [{keep-last: 1}]\n", 2, "policies[1].repositories", "missing");
    }

    @Test
    void emptyOrMissingRules() {
        assertError("policies:\n  - repositories: r\n    rules: []\n", 3, "policies[1].rules", "must not be empty");
        assertError("policies:\n  - repositories: r\n    rules: [{keep-last: 1}]\n  - repositories: s\n    delete-last-tag: true\n", 4, "policies[2].rules",
                "missing: a policy needs a non-empty list of rules");
        assertError("default:\n  delete-last-tag: true\n", 2, "default.rules", "missing");
        assertError("default:\n  rules:\n", 2, "default.rules", "expected a list, not a single value");
    }

    @Test
    void noPoliciesAndNoDefault() {
        assertError("policies: []\n", 1, "policies", "no policies and no default");
        assertError("# c\n{}\n", 2, "policies", "no policies and no default");
    }

    @Test
    void duplicatePolicyNames() {
        assertError("policies:\n  - name: a\n    repositories: x\n    rules: [{keep-last: 1}]\n"
                + "  - name: a\n    repositories: y\n    rules: [{keep-last: 1}]\n", 5, "policies[2].name",
                "policy name 'a' is already used by policies[1]");
        assertError("policies:\n  - repositories: x\n    rules: [{keep-last: 1}]\n"
                + "  - repositories: [x, y]\n    rules: [{keep-last: 1}]\n", 4, "policies[2].name",
                "policy name 'x' is already used by policies[1] (a policy without a name is named after its first glob)");
        assertError("policies:\n  - name: default\n    repositories: x\n    rules: [{keep-last: 1}]\n"
                + "default:\n  rules: [{keep-last: 1}]\n", 2, "policies[1].name", "already used by default");
    }

    @Test
    void duplicateKeys() {
        assertError("policies:\n  - name: a\n    name: b\n", 3, "policies[1].name", "given twice (first on line 2)");
    }
}
