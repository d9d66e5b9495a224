package io.registrygc.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.registrygc.policy.Retention.LastPull;
import io.registrygc.policy.Retention.ManifestFacts;
import io.registrygc.policy.Retention.RepositoryDecisions;
import io.registrygc.policy.Retention.TagDecision;
import io.registrygc.policy.Retention.TagFacts;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The pull rules (keep-pulled-within, keep-last-pulled) and the references a cluster runs (--protect). */
class PullRulesTest {

    private static final Instant NOW = Instant.parse("2026-11-28T12:00:00Z");
    private static final String A = "sha256:" + "a".repeat(64);
    private static final String B = "sha256:" + "b".repeat(64);
    private static final String C = "sha256:" + "c".repeat(64);
    private static final String U = "sha256:" + "e".repeat(64);

    private static Instant daysAgo(int days) {
        return NOW.minus(Duration.ofDays(days));
    }

    private static TagFacts tag(String name, String digest) {
        return new TagFacts(name, Optional.of(digest), daysAgo(100));
    }

    private static Map<String, Verdict> verdicts(RepositoryDecisions decisions) {
        return decisions.tags().stream().collect(java.util.stream.Collectors.toMap(TagDecision::tag, TagDecision::verdict));
    }

    @Test
    void keepPulledWithinKeepsTagsAndUntaggedManifestsPulledRecently() {
        RetentionPolicies policies = RetentionPolicies.fromFlags(null, null, null, Duration.ofDays(30), null, true,
                Duration.ofDays(30), null);
        RetentionPolicy policy = policies.policies().get(0);
        Map<String, LastPull> pulls = Map.of(A, new LastPull(daysAgo(2), "registry.log:7"),
                B, new LastPull(daysAgo(45), "registry.log:3"), U, new LastPull(daysAgo(1), "registry.log:9"));
        RepositoryDecisions decisions = Retention.decide(policy, List.of(tag("a", A), tag("b", B), tag("c", C)),
                List.of(new ManifestFacts(A, daysAgo(100)), new ManifestFacts(B, daysAgo(100)),
                        new ManifestFacts(C, daysAgo(100)), new ManifestFacts(U, daysAgo(100))), pulls, NOW);
        assertThat(verdicts(decisions)).isEqualTo(Map.of("a", Verdict.KEEP, "b", Verdict.DELETE, "c", Verdict.DELETE));
        assertThat(decisions.tags().get(0).reason())
                .isEqualTo("kept by policy 'command line' rule 1: keep-pulled-within 30d: pulled " + daysAgo(2)
                        + " (log line registry.log:7)");
        assertThat(decisions.untagged()).as("the untagged manifest pulled yesterday stays").isEmpty();
    }

    @Test
    void keepLastPulledKeepsTheTagsPulledMostRecently() {
        RetentionPolicy policy = RetentionPolicies.fromFlags(null, List.of("latest"), null, null, ".*", false, null, 2)
                .policies().get(0);
        Map<String, LastPull> pulls = Map.of(A, new LastPull(daysAgo(5), "l:1"), B, new LastPull(daysAgo(1), "l:2"),
                C, new LastPull(daysAgo(3), "l:3"));
        RepositoryDecisions decisions = Retention.decide(policy, List.of(tag("a", A), tag("b", B), tag("c", C),
                tag("latest", A), tag("never", "sha256:" + "f".repeat(64))), List.of(), pulls, NOW);
        assertThat(verdicts(decisions)).isEqualTo(Map.of("a", Verdict.DELETE, "b", Verdict.KEEP, "c", Verdict.KEEP,
                "latest", Verdict.KEEP, "never", Verdict.DELETE));
        assertThat(decisions.tags()).filteredOn(d -> d.tag().equals("c")).singleElement()
                .extracting(TagDecision::reason).asString().contains("number 2 of the most recently pulled");
    }

    @Test
    void pullRulesRoundTripThroughThePolicyFile() {
        RetentionPolicies parsed = PolicyFile.parse("""
                policies:
                  - repositories: "**"
                    rules:
                      - keep-pulled-within: 30d
                      - keep-last-pulled: 3
                      - delete-older-than: 60d
                """, "p.yml");
        assertThat(parsed.policies().get(0).rules()).containsExactly(new Rule.KeepPulledWithin(Duration.ofDays(30)),
                new Rule.KeepLastPulled(3), new Rule.DeleteTags(Optional.empty(), Optional.of(Duration.ofDays(60))));
        assertThat(PolicyFile.parse(parsed.toYaml(), "again")).isEqualTo(parsed);
        assertThatThrownBy(() -> PolicyFile.parse("""
                policies:
                  - repositories: "**"
                    rules:
                      - keep-last-pulled: 0
                """, "p.yml")).isInstanceOf(PolicyFileException.class).hasMessageContaining("keep-last-pulled");
    }

    @Test
    void protectedReferencesAreReadAsAClusterReportsThem() {
        ProtectedReference.Parsed parsed = ProtectedReference.parse(List.of(
                "registry.example.com:5000/team/app:1.2",
                "# a comment",
                "",
                "team/app@" + A,
                "registry.example.com:5000/team/app:1.3@" + B,
                "docker.io/library/nginx:1.25",
                "REGISTRY.example.com:5000/lib/base",
                "localhost:5000/team/app:dev",
                "Bad Reference"), "pods.txt", Optional.of("registry.example.com:5000"));
        assertThat(parsed.references()).extracting(ProtectedReference::toString)
                .containsExactly("team/app:1.2", "team/app@" + A, "team/app@" + B, "lib/base:latest");
        assertThat(parsed.references().get(0).source()).isEqualTo("pods.txt:1");
        assertThat(parsed.otherRegistries()).isEqualTo(2);
        assertThat(parsed.malformed()).isEqualTo(1);
        assertThat(parsed.problems()).singleElement().asString().startsWith("pods.txt:9: ");
        ProtectedReference first = parsed.references().get(0);
        assertThat(ProtectedReference.decode(first.encode())).isEqualTo(first);
    }
}
