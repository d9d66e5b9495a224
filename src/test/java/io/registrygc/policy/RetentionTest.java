package io.registrygc.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.groups.Tuple.tuple;

import io.registrygc.policy.Retention.ManifestFacts;
import io.registrygc.policy.Retention.RepositoryDecisions;
import io.registrygc.policy.Retention.TagDecision;
import io.registrygc.policy.Retention.TagFacts;
import io.registrygc.policy.Retention.UntaggedDecision;
import io.registrygc.policy.Rule.DeleteTags;
import io.registrygc.policy.Rule.DeleteUntagged;
import io.registrygc.policy.Rule.KeepLast;
import io.registrygc.policy.Rule.KeepTags;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@link Retention#decide}: each rule alone, then their interplay, then {@link RetentionPolicies#fromFlags}. */
class RetentionTest {

    private static final Instant NOW = Instant.parse("2025-06-01T12:00:00Z");
    private static final String D1 = digest('1');
    private static final String D2 = digest('2');
    private static final String D3 = digest('3');
    private static final String D4 = digest('4');
    private static final String D5 = digest('5');
    private static final DeleteTags DELETE_ALL = new DeleteTags(Optional.empty(), Optional.empty());

    private static String digest(char hex) {
        return "sha256:" + String.valueOf(hex).repeat(64);
    }

    /** The cosign signature tag of a digest. */
    private static String signatureOf(String digest) {
        return digest.replace(':', '-') + ".sig";
    }

    private static Instant daysAgo(double days) {
        return NOW.minus(Duration.ofMinutes(Math.round(days * 24 * 60)));
    }

    private static TagFacts tag(String name, String digest, Instant pushed) {
        return new TagFacts(name, Optional.ofNullable(digest), pushed);
    }

    private static RetentionPolicy policy(boolean deleteLastTag, Rule... rules) {
        return new RetentionPolicy("p", List.of(new RepositoryGlob("**")), List.of(rules), deleteLastTag);
    }

    private static RepositoryDecisions decide(RetentionPolicy policy, TagFacts... tags) {
        return Retention.decide(policy, List.of(tags), List.of(), NOW);
    }

    private static TagDecision keep(String tag, String rule, String reason) {
        return new TagDecision(tag, Verdict.KEEP, rule, reason);
    }

    private static TagDecision delete(String tag, String rule, Instant pushed) {
        return new TagDecision(tag, Verdict.DELETE, rule, "deleted by " + rule + ": pushed " + pushed);
    }

    private static TagDecision kept(String tag, String rule) {
        return keep(tag, rule, "kept by " + rule);
    }

    private static TagDecision ranked(String tag, String rule, int rank) {
        return keep(tag, rule, "kept by " + rule + ": number " + rank + " of the most recently pushed");
    }

    private static TagDecision noRule(String tag) {
        return keep(tag, null, "no rule of policy 'p' deletes it");
    }

    private static List<String> deleted(RepositoryDecisions decisions) {
        return decisions.tags().stream().filter(d -> d.verdict() == Verdict.DELETE).map(TagDecision::tag).toList();
    }

    @Test
    void keepTagsAloneDeletesNothing() {
        RetentionPolicy policy = policy(true, new KeepTags(List.of(new TagPattern("^latest$"))));
        RepositoryDecisions decisions = decide(policy, tag("v1", D1, daysAgo(90)), tag("latest", D2, daysAgo(90)));
        String rule = "policy 'p' rule 1: keep-tags '^latest$'";
        assertThat(decisions.tags()).containsExactly(kept("latest", rule), noRule("v1"));
        assertThat(decisions.untagged()).isEmpty();
    }

    @Test
    void keepTagsSetsTagsAsideFromDeletion() {
        RetentionPolicy policy = policy(true, new KeepTags(List.of(new TagPattern("latest"), new TagPattern("stable-.*"))), DELETE_ALL);
        RepositoryDecisions decisions = decide(policy, tag("v1", D1, daysAgo(3)), tag("latest", D2, daysAgo(2)),
                tag("stable-2", D3, daysAgo(1)), tag("stable", D4, daysAgo(1)), tag("latest-1", D5, daysAgo(1)));
        String keepRule = "policy 'p' rule 1: keep-tags 'latest', 'stable-.*'";
        String deleteRule = "policy 'p' rule 2: delete-tags (all)";
        assertThat(decisions.tags()).containsExactly(kept("latest", keepRule), delete("latest-1", deleteRule, daysAgo(1)),
                delete("stable", deleteRule, daysAgo(1)), kept("stable-2", keepRule), delete("v1", deleteRule, daysAgo(3)));
    }

    @Test
    void keepLastKeepsTheMostRecentlyPushedTiesByName() {
        RetentionPolicy policy = policy(true, new KeepLast(2, Optional.empty()), DELETE_ALL);
        RepositoryDecisions decisions = decide(policy, tag("c", D3, daysAgo(3)), tag("d", D4, daysAgo(2)),
                tag("b", D2, daysAgo(2)), tag("a", D1, daysAgo(1)));
        String keepRule = "policy 'p' rule 1: keep-last 2";
        String deleteRule = "policy 'p' rule 2: delete-tags (all)";
        assertThat(decisions.tags()).containsExactly(ranked("a", keepRule, 1), ranked("b", keepRule, 2),
                delete("c", deleteRule, daysAgo(3)), delete("d", deleteRule, daysAgo(2)));
    }

    @Test
    void keepLastRanksWithinItsGroupAndSkipsKeepTags() {
        RetentionPolicy policy = policy(true, new KeepTags(List.of(new TagPattern("latest"))),
                new KeepLast(1, Optional.of(new TagPattern("release-.*"))), new KeepLast(1, Optional.empty()), DELETE_ALL);
        RepositoryDecisions decisions = decide(policy, tag("latest", D1, daysAgo(0.1)), tag("dev-1", D2, daysAgo(0.5)),
                tag("release-2", D3, daysAgo(1)), tag("release-1", D4, daysAgo(2)), tag("dev-0", D5, daysAgo(3)));
        assertThat(decisions.tags()).containsExactly(
                delete("dev-0", "policy 'p' rule 4: delete-tags (all)", daysAgo(3)),
                ranked("dev-1", "policy 'p' rule 3: keep-last 1", 1), // latest, newer, is not counted
                kept("latest", "policy 'p' rule 1: keep-tags 'latest'"),
                delete("release-1", "policy 'p' rule 4: delete-tags (all)", daysAgo(2)),
                ranked("release-2", "policy 'p' rule 2: keep-last 1 of 'release-.*'", 1));
    }

    @Test
    void deleteTagsNeedsEveryConditionGiven() {
        RetentionPolicy policy = policy(true, new DeleteTags(Optional.of(new TagPattern("pr-.*")), Optional.of(Duration.ofDays(30))));
        RepositoryDecisions decisions = decide(policy, tag("pr-1", D1, daysAgo(31)), tag("pr-2", D2, daysAgo(29)),
                tag("main", D3, daysAgo(40)));
        assertThat(decisions.tags()).containsExactly(noRule("main"),
                delete("pr-1", "policy 'p' rule 1: delete-tags 'pr-.*' older than 30d", daysAgo(31)), noRule("pr-2"));
    }

    @Test
    void theFirstDeleteRuleThatSelectsIsNamed() {
        RetentionPolicy policy = policy(true, new DeleteTags(Optional.of(new TagPattern("pr-.*")), Optional.empty()),
                new DeleteTags(Optional.empty(), Optional.of(Duration.ofDays(1))));
        RepositoryDecisions decisions = decide(policy, tag("pr-1", D1, daysAgo(5)), tag("main", D2, daysAgo(5)),
                tag("new", D3, daysAgo(0.5)));
        assertThat(decisions.tags()).containsExactly(delete("main", "policy 'p' rule 2: delete-tags older than 1d", daysAgo(5)),
                noRule("new"), delete("pr-1", "policy 'p' rule 1: delete-tags 'pr-.*'", daysAgo(5)));
    }

    @Test
    void olderThanIncludesExactlyNowMinusTheDuration() {
        RetentionPolicy policy = policy(true, new DeleteTags(Optional.empty(), Optional.of(Duration.ofDays(30))),
                new DeleteUntagged(Duration.ofDays(7)));
        Instant tagCutoff = NOW.minus(Duration.ofDays(30));
        Instant untaggedCutoff = NOW.minus(Duration.ofDays(7));
        RepositoryDecisions decisions = Retention.decide(policy,
                List.of(tag("at", D1, tagCutoff), tag("after", D2, tagCutoff.plusMillis(1))),
                List.of(new ManifestFacts(D1, tagCutoff), new ManifestFacts(D3, untaggedCutoff),
                        new ManifestFacts(D4, untaggedCutoff.plusMillis(1))), NOW);
        assertThat(decisions.tags()).containsExactly(noRule("after"),
                delete("at", "policy 'p' rule 1: delete-tags older than 30d", tagCutoff));
        String rule = "policy 'p' rule 2: delete-untagged older than 1w";
        assertThat(decisions.untagged()).containsExactly(
                new UntaggedDecision(D3, rule, "deleted by " + rule + ": untagged, last written 2025-05-25T12:00:00Z"));
    }

    @Test
    void keepBeatsDeleteWhateverTheOrder() {
        RetentionPolicy policy = policy(true, new DeleteTags(Optional.of(new TagPattern("v.*")), Optional.empty()),
                new KeepLast(1, Optional.empty()), new KeepTags(List.of(new TagPattern("v1"))));
        RepositoryDecisions decisions = decide(policy, tag("v1", D1, daysAgo(9)), tag("v2", D2, daysAgo(8)),
                tag("v3", D3, daysAgo(7)));
        assertThat(decisions.tags()).containsExactly(kept("v1", "policy 'p' rule 3: keep-tags 'v1'"),
                delete("v2", "policy 'p' rule 1: delete-tags 'v.*'", daysAgo(8)),
                ranked("v3", "policy 'p' rule 2: keep-last 1", 1));
    }

    @Test
    void twoTagsOfOneDigestAreDecidedEachByItsName() {
        RetentionPolicy policy = policy(true, new KeepTags(List.of(new TagPattern("stable"))),
                new DeleteTags(Optional.of(new TagPattern("pr-.*")), Optional.empty()), new DeleteUntagged(Duration.ZERO));
        RepositoryDecisions decisions = Retention.decide(policy,
                List.of(tag("stable", D1, daysAgo(3)), tag("pr-1", D1, daysAgo(2)), tag(signatureOf(D1), D2, daysAgo(2))),
                List.of(new ManifestFacts(D1, daysAgo(3)), new ManifestFacts(D2, daysAgo(2))), NOW);
        assertThat(decisions.tags()).containsExactly(
                delete("pr-1", "policy 'p' rule 2: delete-tags 'pr-.*'", daysAgo(2)),
                keep(signatureOf(D1), null, "follows its subject " + D1), // one of its subject's tags stays
                kept("stable", "policy 'p' rule 1: keep-tags 'stable'"));
        assertThat(decisions.untagged()).isEmpty();
    }

    @Test
    void theLastTagIsKeptUnlessThePolicyDeletesIt() {
        TagFacts[] tags = {tag("c", D3, daysAgo(2)), tag("b", D2, daysAgo(1)), tag("a", D1, daysAgo(1))};
        String rule = "policy 'p' rule 1: delete-tags (all)";
        assertThat(decide(policy(false, DELETE_ALL), tags).tags()).containsExactly(
                keep("a", null, "kept: the last remaining tag of the repository (policy 'p' does not set delete-last-tag)"),
                delete("b", rule, daysAgo(1)), delete("c", rule, daysAgo(2)));
        assertThat(decide(policy(true, DELETE_ALL), tags).tags()).containsExactly(
                delete("a", rule, daysAgo(1)), delete("b", rule, daysAgo(1)), delete("c", rule, daysAgo(2)));
    }

    @Test
    void lastTagProtectionIsNotNeededWhenATagIsKept() {
        RetentionPolicy policy = policy(false, new KeepTags(List.of(new TagPattern("old"))), DELETE_ALL);
        assertThat(deleted(decide(policy, tag("old", D1, daysAgo(9)), tag("new", D2, daysAgo(1))))).containsExactly("new");
    }

    @Test
    void lastTagProtectionKeepsTheSubjectsAttachedTags() {
        RepositoryDecisions decisions = decide(policy(false, DELETE_ALL), tag("v1", D1, daysAgo(5)),
                tag(signatureOf(D1), D2, daysAgo(0.1)));
        assertThat(decisions.tags()).extracting(TagDecision::tag, TagDecision::verdict).containsExactly(
                tuple(signatureOf(D1), Verdict.KEEP),
                tuple("v1", Verdict.KEEP));
    }

    @Test
    void attachedTagsFollowTheirTaggedSubject() {
        String referrers = D2.replace(':', '-');
        RetentionPolicy policy = policy(false, new KeepTags(List.of(new TagPattern("main"))),
                new DeleteTags(Optional.of(new TagPattern("v.*|sha256-.*")), Optional.empty()));
        RepositoryDecisions decisions = decide(policy, tag("v1", D1, daysAgo(5)), tag("v1.0", D1, daysAgo(5)),
                tag(signatureOf(D1), D3, daysAgo(5)), tag("main", D2, daysAgo(5)), tag(referrers, D4, daysAgo(5)));
        String deleteRule = "policy 'p' rule 2: delete-tags 'v.*|sha256-.*'";
        assertThat(decisions.tags()).containsExactly(
                kept("main", "policy 'p' rule 1: keep-tags 'main'"),
                new TagDecision(signatureOf(D1), Verdict.DELETE, deleteRule, "follows its subject " + D1 + " which is deleted"),
                keep(referrers, null, "follows its subject " + D2),
                delete("v1", deleteRule, daysAgo(5)), delete("v1.0", deleteRule, daysAgo(5)));
    }

    @Test
    void attachedTagsFollowTheirUntaggedSubject() {
        String attestation = D1.replace(':', '-') + ".att";
        String youngSignature = signatureOf(D2);
        String orphan = signatureOf(D5);
        RetentionPolicy policy = policy(false, new DeleteUntagged(Duration.ofDays(7)));
        RepositoryDecisions decisions = Retention.decide(policy,
                List.of(tag(attestation, D3, daysAgo(9)), tag(youngSignature, D4, daysAgo(1)), tag(orphan, D4, daysAgo(9))),
                List.of(new ManifestFacts(D1, daysAgo(9)), new ManifestFacts(D2, daysAgo(1)),
                        new ManifestFacts(D3, daysAgo(9)), new ManifestFacts(D4, daysAgo(9))), NOW);
        String rule = "policy 'p' rule 1: delete-untagged older than 1w";
        assertThat(decisions.tags()).containsExactly(
                new TagDecision(attestation, Verdict.DELETE, rule, "follows its subject " + D1 + " which is deleted"),
                keep(youngSignature, null, "follows its subject " + D2),
                keep(orphan, null, "follows its subject " + D5));
        assertThat(decisions.untagged()).extracting(UntaggedDecision::digest).containsExactly(D1);
    }

    @Test
    void attachedTagsAreNotRankedButLookalikesAre() {
        String shortHex = "sha256-abc";
        RetentionPolicy policy = policy(true, new KeepLast(1, Optional.empty()), DELETE_ALL);
        RepositoryDecisions decisions = decide(policy, tag("v1", D1, daysAgo(3)), tag(signatureOf(D1), D2, daysAgo(0.1)),
                tag(shortHex, D3, daysAgo(2)));
        String deleteRule = "policy 'p' rule 2: delete-tags (all)";
        assertThat(decisions.tags()).containsExactly(
                new TagDecision(signatureOf(D1), Verdict.DELETE, deleteRule, "follows its subject " + D1 + " which is deleted"),
                ranked(shortHex, "policy 'p' rule 1: keep-last 1", 1),
                delete("v1", deleteRule, daysAgo(3)));
    }

    @Test
    void untaggedManifestsGoOnlyWithARule() {
        List<TagFacts> tags = List.of(tag("v1", D1, daysAgo(30)), tag(signatureOf(D5), D2, daysAgo(30)));
        List<ManifestFacts> manifests = List.of(new ManifestFacts(D4, daysAgo(40)), new ManifestFacts(D3, daysAgo(2)),
                new ManifestFacts(D2, daysAgo(30)), new ManifestFacts(D1, daysAgo(30)), new ManifestFacts(D5, daysAgo(0.5)));
        assertThat(Retention.decide(policy(true, new KeepTags(List.of(new TagPattern("x")))), tags, manifests, NOW).untagged())
                .isEmpty();
        RetentionPolicy policy = policy(true, new DeleteUntagged(Duration.ofDays(30)), new DeleteUntagged(Duration.ofDays(1)));
        String first = "policy 'p' rule 1: delete-untagged older than 30d";
        String second = "policy 'p' rule 2: delete-untagged older than 1d";
        assertThat(Retention.decide(policy, tags, manifests, NOW).untagged()).containsExactly(
                new UntaggedDecision(D3, second, "deleted by " + second + ": untagged, last written " + daysAgo(2)),
                new UntaggedDecision(D4, first, "deleted by " + first + ": untagged, last written " + daysAgo(40)));
    }

    @Test
    void tagsWithACorruptLinkGetNoDecisionAndCountForNothing() {
        RetentionPolicy policy = policy(false, new KeepLast(1, Optional.of(new TagPattern("v.*"))), DELETE_ALL,
                new DeleteUntagged(Duration.ZERO));
        RepositoryDecisions decisions = Retention.decide(policy,
                List.of(tag("v9", null, daysAgo(0.1)), tag("v2", D2, daysAgo(1)), tag("v1", D1, daysAgo(2)),
                        tag("x", null, daysAgo(0.1))),
                List.of(new ManifestFacts(D1, daysAgo(2)), new ManifestFacts(D2, daysAgo(1))), NOW);
        assertThat(decisions.tags()).containsExactly(
                delete("v1", "policy 'p' rule 2: delete-tags (all)", daysAgo(2)),
                ranked("v2", "policy 'p' rule 1: keep-last 1 of 'v.*'", 1));
        assertThat(Retention.decide(policy(false, DELETE_ALL), List.of(tag("v1", D1, daysAgo(2)), tag("x", null, daysAgo(1))),
                List.of(), NOW).tags()).extracting(TagDecision::verdict).containsExactly(Verdict.KEEP);
    }

    @Test
    void theSameInputGivesTheSameOutputInAnyOrder() {
        RetentionPolicy policy = policy(false, new KeepLast(2, Optional.empty()), DELETE_ALL, new DeleteUntagged(Duration.ZERO));
        List<TagFacts> tags = Arrays.asList(tag("b", D2, daysAgo(2)), tag("a", D1, daysAgo(2)), tag("c", D3, daysAgo(2)));
        List<ManifestFacts> manifests = Arrays.asList(new ManifestFacts(D5, daysAgo(1)), new ManifestFacts(D4, daysAgo(1)));
        RepositoryDecisions first = Retention.decide(policy, tags, manifests, NOW);
        Collections.reverse(tags);
        Collections.reverse(manifests);
        assertThat(Retention.decide(policy, tags, manifests, NOW)).isEqualTo(first);
        assertThat(first.tags()).extracting(TagDecision::tag).containsExactly("a", "b", "c");
        assertThat(deleted(first)).containsExactly("c");
        assertThat(first.untagged()).extracting(UntaggedDecision::digest).containsExactly(D4, D5);
    }

    // --- the command line: GitLab cleanup-policy semantics

    private static RetentionPolicy fromFlags(List<String> repositories, List<String> keepTags, Integer keepLast,
            Duration olderThan, String deleteTags, boolean deleteUntagged) {
        RetentionPolicies policies = RetentionPolicies.fromFlags(repositories, keepTags, keepLast, olderThan, deleteTags,
                deleteUntagged);
        assertThat(policies.defaultPolicy()).isEmpty();
        assertThat(policies.policies()).hasSize(1);
        return policies.policies().get(0);
    }

    @Test
    void keepLastAloneDeletesAllButTheNewest() {
        RetentionPolicy policy = fromFlags(null, null, 2, null, null, false);
        assertThat(policy).isEqualTo(new RetentionPolicy("command line", List.of(new RepositoryGlob("**")),
                List.of(new KeepLast(2, Optional.empty()), DELETE_ALL), false));
        assertThat(deleted(decide(policy, tag("a", D1, daysAgo(1)), tag("b", D2, daysAgo(2)), tag("c", D3, daysAgo(3)))))
                .containsExactly("c");
    }

    @Test
    void keepTagsKeepLastAndOlderThanCombine() {
        RetentionPolicy policy = fromFlags(List.of("apps/*"), List.of("latest", "v\\d+"), 2, Duration.ofDays(30), null, false);
        assertThat(policy.repositories()).containsExactly(new RepositoryGlob("apps/*"));
        assertThat(policy.rules()).containsExactly(new KeepTags(List.of(new TagPattern("latest"), new TagPattern("v\\d+"))),
                new KeepLast(2, Optional.empty()), new DeleteTags(Optional.empty(), Optional.of(Duration.ofDays(30))));
        RepositoryDecisions decisions = decide(policy, tag("latest", D1, daysAgo(90)), tag("v1", D1, daysAgo(90)),
                tag("n1", D2, daysAgo(60)), tag("n2", D2, daysAgo(50)), tag("n3", D3, daysAgo(40)),
                tag("n4", D3, daysAgo(10)));
        // the two newest besides the kept ones stay (n4, n3); of the others, those older than 30 days go
        assertThat(deleted(decisions)).containsExactly("n1", "n2");
        assertThat(policy.appliesTo("apps/web")).isTrue();
        assertThat(policy.appliesTo("tools/web")).isFalse();
    }

    @Test
    void keepLastRanksEveryTagKeepTagsLeavesAndDeleteTagsNarrowsTheRest() {
        RetentionPolicy policy = fromFlags(null, null, 1, null, "pr-.*", false);
        assertThat(policy.rules()).containsExactly(new KeepLast(1, Optional.empty()),
                new DeleteTags(Optional.of(new TagPattern("pr-.*")), Optional.empty()));
        RepositoryDecisions decisions = decide(policy, tag("main", D1, daysAgo(1)), tag("pr-2", D2, daysAgo(2)),
                tag("pr-1", D3, daysAgo(3)), tag("dev", D3, daysAgo(4)));
        assertThat(decisions.tags()).containsExactly(noRuleOf("dev", "command line"),
                ranked("main", "policy 'command line' rule 1: keep-last 1", 1),
                delete("pr-1", "policy 'command line' rule 2: delete-tags 'pr-.*'", daysAgo(3)),
                delete("pr-2", "policy 'command line' rule 2: delete-tags 'pr-.*'", daysAgo(2)));
    }

    private static TagDecision noRuleOf(String tag, String policy) {
        return keep(tag, null, "no rule of policy '" + policy + "' deletes it");
    }

    @Test
    void olderThanAloneAndDeleteUntaggedAlone() {
        assertThat(fromFlags(null, null, null, Duration.ofDays(7), null, true).rules()).containsExactly(
                new DeleteTags(Optional.empty(), Optional.of(Duration.ofDays(7))), new DeleteUntagged(Duration.ZERO));
        assertThat(fromFlags(List.of(), List.of(), null, null, null, true).rules())
                .containsExactly(new DeleteUntagged(Duration.ZERO));
        assertThat(fromFlags(null, List.of("keep"), null, null, "tmp-.*", false).rules()).containsExactly(
                new KeepTags(List.of(new TagPattern("keep"))), new DeleteTags(Optional.of(new TagPattern("tmp-.*")), Optional.empty()));
    }

    @Test
    void flagErrorsNameTheFlag() {
        assertThatThrownBy(() -> RetentionPolicies.fromFlags(null, null, 0, null, null, false))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("--keep-last must be at least 1");
        assertThatThrownBy(() -> RetentionPolicies.fromFlags(null, List.of("ok", "v("), 1, null, null, false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("--keep-tags: invalid regex 'v(': Unclosed group");
        assertThatThrownBy(() -> RetentionPolicies.fromFlags(null, null, null, null, "[", false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("--delete-tags: invalid regex '['");
        assertThatThrownBy(() -> RetentionPolicies.fromFlags(List.of("a/*", ""), null, 1, null, null, false))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("--repository: a repository glob must not be empty");
        String protectOnly = "--keep-tags, --keep-pulled-within, --keep-last-pulled and --repository only protect or limit;"
                + " give --keep-last, --older-than,"
                + " --delete-tags or --delete-untagged to delete anything";
        assertThatThrownBy(() -> RetentionPolicies.fromFlags(List.of("a/*"), List.of("latest"), null, null, null, false))
                .isInstanceOf(IllegalArgumentException.class).hasMessage(protectOnly);
        assertThatThrownBy(() -> RetentionPolicies.fromFlags(null, null, null, null, null, false))
                .isInstanceOf(IllegalArgumentException.class).hasMessage(protectOnly);
    }
}
