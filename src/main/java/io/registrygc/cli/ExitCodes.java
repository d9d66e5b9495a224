package io.registrygc.cli;

/** The exit codes schedulers act on. */
public final class ExitCodes {
    /** Completed: dry run and nothing-to-do included. */
    public static final int COMPLETED = 0;
    /** Failed: rerun the same command to resume from the last checkpoint. */
    public static final int FAILED = 1;
    /** Usage error or invalid input: nothing was deleted. */
    public static final int USAGE = 2;
    /** Another run holds the storage root. */
    public static final int LOCKED = 3;
    /** Completed, but unreadable manifests or folders kept the blob sweep from running: see the report. */
    public static final int COMPLETED_WITH_PROBLEMS = 4;

    private ExitCodes() {
    }
}
