package io.registrygc.e2e.support;

/**
 * Outcome of one run of the reference collector, {@code docker-registry garbage-collect}.
 *
 * @param exitCode process exit status
 * @param output   stdout and stderr, interleaved
 */
public record GcResult(int exitCode, String output) {

    public boolean succeeded() {
        return exitCode == 0;
    }

    /** Returns this result, or throws AssertionError with the output when the run failed. */
    public GcResult requireSuccess() {
        if (exitCode != 0) {
            throw new AssertionError("docker-registry garbage-collect exited " + exitCode + ":\n" + output);
        }
        return this;
    }
}
