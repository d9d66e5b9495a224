package io.registrygc.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The glob grammar of policy repositories: segments, {@code **}, {@code **}{@code /}, {@code ?}, literals. */
class RepositoryGlobTest {

    private static final List<String> NAMES = List.of("app", "apps", "apps/web", "apps/web/api", "apps/api",
            "team/app", "team/a/app", "team/a/b/app", "team/xapp", "teamapp", "team/app/x", "x/app", "x/y/app",
            "xapp", "my.app", "myxapp", "tools/web1", "tools/web12", "tools/web");

    /** The names of {@link #NAMES} the glob matches, in that order. */
    private static List<String> matched(String glob) {
        RepositoryGlob g = new RepositoryGlob(glob);
        return NAMES.stream().filter(g::matches).toList();
    }

    @Test
    void starMatchesWithinOneSegment() {
        assertThat(matched("apps/*")).containsExactly("apps/web", "apps/api");
        assertThat(matched("*/app")).containsExactly("team/app", "x/app");
        assertThat(matched("app*")).containsExactly("app", "apps");
    }

    @Test
    void doubleStarMatchesEverything() {
        assertThat(matched("**")).containsExactlyElementsOf(NAMES);
    }

    @Test
    void doubleStarSlashAlsoMatchesNoSegment() {
        assertThat(matched("team/**/app")).containsExactly("team/app", "team/a/app", "team/a/b/app");
        assertThat(matched("**/app")).containsExactly("app", "team/app", "team/a/app", "team/a/b/app", "x/app", "x/y/app");
    }

    @Test
    void trailingDoubleStarNeedsASegment() {
        assertThat(matched("apps/**")).containsExactly("apps/web", "apps/web/api", "apps/api");
    }

    @Test
    void doubleStarInsideASegmentCrossesSlashes() {
        assertThat(new RepositoryGlob("a**b").matches("ab")).isTrue();
        assertThat(new RepositoryGlob("a**b").matches("a/x/b")).isTrue();
        assertThat(new RepositoryGlob("a**b").matches("a/x/c")).isFalse();
    }

    @Test
    void questionMarkIsOneCharacterButNotASlash() {
        assertThat(matched("tools/web?")).containsExactly("tools/web1");
        assertThat(new RepositoryGlob("a?b").matches("a/b")).isFalse();
        assertThat(new RepositoryGlob("a?b").matches("a.b")).isTrue();
    }

    @Test
    void everythingElseIsLiteral() {
        assertThat(matched("my.app")).containsExactly("my.app");
        Stream.of("a+b", "(x)", "[ab]", "a{2}", "^a$", "a|b", "a\\Eb", "a\\Qb", "a\\b", ".").forEach(glob -> {
            RepositoryGlob g = new RepositoryGlob(glob);
            assertThat(g.matches(glob)).as(glob).isTrue();
        });
        assertThat(new RepositoryGlob("a+b").matches("aab")).isFalse();
        assertThat(new RepositoryGlob("[ab]").matches("a")).isFalse();
        assertThat(new RepositoryGlob("a|b").matches("a")).isFalse();
        assertThat(new RepositoryGlob(".").matches("x")).isFalse();
        assertThat(new RepositoryGlob("a\\Eb*").matches("a\\Ebcd")).isTrue();
    }

    @Test
    void wholeNameOnly() {
        assertThat(matched("apps")).containsExactly("apps");
        assertThat(matched("web")).isEmpty();
    }

    @Test
    void emptyGlobIsRefused() {
        assertThatThrownBy(() -> new RepositoryGlob("")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must not be empty");
    }

    @Test
    void equalByText() {
        assertThat(new RepositoryGlob("apps/*")).isEqualTo(new RepositoryGlob("apps/*")).hasToString("apps/*");
        assertThat(new RepositoryGlob("apps/*").hashCode()).isEqualTo(new RepositoryGlob("apps/*").hashCode());
    }
}
