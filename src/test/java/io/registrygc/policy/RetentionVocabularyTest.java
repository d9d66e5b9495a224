package io.registrygc.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.registrygc.policy.Rule.DeleteTags;
import io.registrygc.policy.Rule.DeleteUntagged;
import io.registrygc.policy.Rule.KeepLast;
import io.registrygc.policy.Rule.KeepTags;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Tag patterns, the rules' canonical texts and labels, and which policy governs a repository. */
class RetentionVocabularyTest {

    private static final TagPattern PR = new TagPattern("^pr-.*");

    @Test
    void tagPatternsMatchWholeNames() {
        TagPattern stable = new TagPattern("stable");
        assertThat(stable.matches("stable")).isTrue();
        assertThat(stable.matches("stable-1")).isFalse();
        assertThat(stable.matches("old-stable")).isFalse();
        assertThat(new TagPattern("v\\d+\\.\\d+").matches("v1.22")).isTrue();
        assertThat(new TagPattern("v\\d+\\.\\d+").matches("v1.22.3")).isFalse();
        assertThat(new TagPattern("a|b").matches("b")).isTrue();
    }

    @Test
    void tagPatternsAreEqualByText() {
        assertThat(new TagPattern("^pr-.*")).isEqualTo(PR).hasSameHashCodeAs(PR).hasToString("^pr-.*");
        assertThat(new TagPattern("pr-.*")).isNotEqualTo(PR);
    }

    @Test
    void invalidRegexIsRefusedWithItsDescription() {
        assertThatThrownBy(() -> new TagPattern("v(")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("invalid regex 'v(': Unclosed group at index 2");
        assertThatThrownBy(() -> new TagPattern("*x")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("invalid regex '*x': Dangling meta character '*' at index 0");
    }

    @Test
    void rulesDescribeThemselves() {
        assertThat(new KeepTags(List.of(new TagPattern("^latest$"), new TagPattern("stable"))).describe())
                .isEqualTo("keep-tags '^latest$', 'stable'");
        assertThat(new KeepLast(5, Optional.empty()).describe()).isEqualTo("keep-last 5");
        assertThat(new KeepLast(5, Optional.of(new TagPattern("^release-.*"))).describe()).isEqualTo("keep-last 5 of '^release-.*'");
        assertThat(new DeleteTags(Optional.of(PR), Optional.of(Duration.ofDays(30))).describe())
                .isEqualTo("delete-tags '^pr-.*' older than 30d");
        assertThat(new DeleteTags(Optional.empty(), Optional.of(Duration.ofDays(30))).describe()).isEqualTo("delete-tags older than 30d");
        assertThat(new DeleteTags(Optional.of(PR), Optional.empty()).describe()).isEqualTo("delete-tags '^pr-.*'");
        assertThat(new DeleteTags(Optional.empty(), Optional.empty()).describe()).isEqualTo("delete-tags (all)");
        assertThat(new DeleteUntagged(Duration.ofDays(3)).describe()).isEqualTo("delete-untagged older than 3d");
        assertThat(new DeleteUntagged(Duration.ofHours(36)).describe()).isEqualTo("delete-untagged older than 36h");
        assertThat(new DeleteUntagged(Duration.ZERO).describe()).isEqualTo("delete-untagged");
    }

    @Test
    void rulesRefuseNonsense() {
        assertThatThrownBy(() -> new KeepLast(0, Optional.empty())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new KeepTags(List.of())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new DeleteUntagged(Duration.ofDays(-1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new DeleteTags(Optional.empty(), Optional.of(Duration.ofDays(-1))))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void labelsCountRulesFromOne() {
        Rule first = new DeleteUntagged(Duration.ZERO);
        Rule twin = new DeleteUntagged(Duration.ZERO);
        RetentionPolicy policy = new RetentionPolicy("ci", List.of(new RepositoryGlob("ci/**")),
                List.of(new KeepLast(2, Optional.empty()), first, twin), false);
        assertThat(policy.label(policy.rules().get(0))).isEqualTo("policy 'ci' rule 1: keep-last 2");
        assertThat(policy.label(first)).isEqualTo("policy 'ci' rule 2: delete-untagged");
        assertThat(policy.label(twin)).isEqualTo("policy 'ci' rule 3: delete-untagged");
        assertThat(policy.label(new DeleteUntagged(Duration.ZERO))).isEqualTo("policy 'ci' rule 2: delete-untagged");
        assertThatThrownBy(() -> policy.label(new KeepLast(9, Optional.empty()))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theFirstMatchingPolicyGovernsThenTheDefault() {
        List<Rule> rules = List.of(new DeleteUntagged(Duration.ZERO));
        RetentionPolicy apps = new RetentionPolicy("apps", List.of(new RepositoryGlob("apps/*")), rules, false);
        RetentionPolicy all = new RetentionPolicy("all apps", List.of(new RepositoryGlob("apps/**"), new RepositoryGlob("x")), rules, false);
        RetentionPolicy fallback = RetentionPolicy.defaultPolicy(rules, false);
        RetentionPolicies withDefault = new RetentionPolicies(List.of(apps, all), Optional.of(fallback));
        assertThat(withDefault.policyFor("apps/web")).contains(apps);
        assertThat(withDefault.policyFor("apps/web/api")).contains(all);
        assertThat(withDefault.policyFor("x")).contains(all);
        assertThat(withDefault.policyFor("tools/web")).contains(fallback);
        assertThat(new RetentionPolicies(List.of(apps, all), Optional.empty()).policyFor("tools/web")).isEmpty();
    }

    @Test
    void policyNamesAreUniqueAndTheDefaultIsFixed() {
        List<Rule> rules = List.of(new DeleteUntagged(Duration.ZERO));
        RetentionPolicy a = new RetentionPolicy("a", List.of(new RepositoryGlob("a")), rules, false);
        RetentionPolicy otherA = new RetentionPolicy("a", List.of(new RepositoryGlob("b")), rules, false);
        assertThatThrownBy(() -> new RetentionPolicies(List.of(a, otherA), Optional.empty()))
                .hasMessage("two policies are named 'a'");
        RetentionPolicy namedDefault = new RetentionPolicy("default", List.of(new RepositoryGlob("b")), rules, false);
        assertThatThrownBy(() -> new RetentionPolicies(List.of(namedDefault), Optional.of(RetentionPolicy.defaultPolicy(rules, false))))
                .hasMessage("two policies are named 'default'");
        assertThatThrownBy(() -> new RetentionPolicies(List.of(), Optional.of(a)))
                .hasMessageContaining("the default policy must be named 'default'");
        assertThatThrownBy(() -> new RetentionPolicy("p", List.of(), rules, false)).hasMessage("policy 'p' names no repository");
        assertThatThrownBy(() -> new RetentionPolicy("p", List.of(new RepositoryGlob("a")), List.of(), false))
                .hasMessage("policy 'p' has no rule");
    }
}
