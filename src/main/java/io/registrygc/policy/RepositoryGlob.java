package io.registrygc.policy;

import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * A glob over whole repository names, whose segments are separated by {@code /}: {@code *} is any run of characters
 * but {@code /}, {@code ?} one character but {@code /}, {@code **} any run including {@code /}; a {@code **}{@code /}
 * at the start or after a {@code /} also matches no segment at all, so {@code team/**}{@code /app} matches
 * {@code team/app} as well as {@code team/a/b/app}. Everything else is literal ({@code .} is a dot).
 */
public record RepositoryGlob(String glob) {

    private static final Map<String, Pattern> COMPILED = new ConcurrentHashMap<>();

    public RepositoryGlob {
        Objects.requireNonNull(glob, "glob");
        if (glob.isEmpty()) {
            throw new IllegalArgumentException("a repository glob must not be empty");
        }
        COMPILED.computeIfAbsent(glob, RepositoryGlob::compile);
    }

    public boolean matches(String repository) {
        return COMPILED.computeIfAbsent(glob, RepositoryGlob::compile).matcher(repository).matches();
    }

    static Pattern compile(String glob) {
        StringBuilder regex = new StringBuilder();
        StringBuilder literal = new StringBuilder();
        for (int i = 0; i < glob.length(); i++) {
            char c = glob.charAt(i);
            if (c != '*' && c != '?') {
                literal.append(c);
                continue;
            }
            if (!literal.isEmpty()) {
                regex.append(Pattern.quote(literal.toString()));
                literal.setLength(0);
            }
            boolean atSegmentStart = i == 0 || glob.charAt(i - 1) == '/';
            if (c == '?') {
                regex.append("[^/]");
            } else if (glob.startsWith("**/", i) && atSegmentStart) {
                regex.append("(?:.*/)?");
                i += 2;
            } else if (glob.startsWith("**", i)) {
                regex.append(".*");
                i++;
            } else {
                regex.append("[^/]*");
            }
        }
        if (!literal.isEmpty()) {
            regex.append(Pattern.quote(literal.toString()));
        }
        return Pattern.compile(regex.toString());
    }

    @Override
    public String toString() {
        return glob;
    }
}
