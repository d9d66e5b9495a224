package io.registrygc.storage;

/**
 * Something in the tree that could not be read as expected. It is reported and is never a reason
 * to delete anything; its {@link Impact} says how much it holds back.
 */
public record StorageProblem(String path, String message, Impact impact) {

    public enum Impact {
        /** Reported only: nothing depends on what could not be read (a stray temp file, a corrupt layer link). */
        NOTED,
        /** Which manifests the repository needs is unknown: keep every manifest of it. */
        REPOSITORY_KEPT,
        /** Which blobs are referenced is unknown: no blob may be swept in this run. */
        SWEEP_BLOCKED
    }

    /** {@code path}: where it is, as an operator finds it (a path, an {@code s3://} URL). */
    public static StorageProblem noted(String path, String message) {
        return new StorageProblem(path, message, Impact.NOTED);
    }
}
