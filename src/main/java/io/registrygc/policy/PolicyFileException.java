package io.registrygc.policy;

/**
 * A policy file that cannot be used, located precisely enough to fix it: the message reads
 * {@code SOURCE:LINE: KEY: PROBLEM}, like a compiler's. {@code line} counts from 1; 0 when unknown.
 * {@code key} is the path of the offending entry, list positions counting from 1 ({@code policies[1].rules[2].keep-last}).
 */
public class PolicyFileException extends RuntimeException {

    private final String source;
    private final int line;
    private final String key;
    private final String problem;

    public PolicyFileException(String source, int line, String key, String problem) {
        this(source, line, key, problem, null);
    }

    public PolicyFileException(String source, int line, String key, String problem, Throwable cause) {
        super(source + ":" + line + ": " + key + ": " + problem, cause);
        this.source = source;
        this.line = line;
        this.key = key;
        this.problem = problem;
    }

    public String source() {
        return source;
    }

    public int line() {
        return line;
    }

    public String key() {
        return key;
    }

    /** The message without its location. */
    public String problem() {
        return problem;
    }
}
