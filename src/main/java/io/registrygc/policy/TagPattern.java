package io.registrygc.policy;

import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A regular expression over tag names. {@link #matches} is a FULL match, as in GitLab cleanup policies: {@code stable}
 * matches the tag {@code stable} only, not {@code stable-1}; write {@code stable.*} for a prefix. Equal by the regex
 * text; the compiled pattern is cached per text (a record has no room for it), so matching costs no recompilation.
 */
public record TagPattern(String regex) {

    private static final Map<String, Pattern> COMPILED = new ConcurrentHashMap<>();

    /** @throws IllegalArgumentException with the regex error's description when {@code regex} does not compile */
    public TagPattern {
        Objects.requireNonNull(regex, "regex");
        try {
            COMPILED.computeIfAbsent(regex, Pattern::compile);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("invalid regex '" + regex + "': " + e.getDescription()
                    + (e.getIndex() >= 0 ? " at index " + e.getIndex() : ""), e);
        }
    }

    /** Whether the whole tag name matches. */
    public boolean matches(String tag) {
        return COMPILED.computeIfAbsent(regex, Pattern::compile).matcher(tag).matches();
    }

    @Override
    public String toString() {
        return regex;
    }
}
