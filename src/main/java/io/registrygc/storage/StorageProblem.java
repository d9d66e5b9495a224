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

    public static StorageProblem noted(java.nio.file.Path path, String message) {
        return new StorageProblem(path.toString(), message, Impact.NOTED);
    }

    public static StorageProblem keepsRepository(java.nio.file.Path path, String message) {
        return new StorageProblem(path.toString(), message, Impact.REPOSITORY_KEPT);
    }

    public static StorageProblem blocksSweep(java.nio.file.Path path, String message) {
        return new StorageProblem(path.toString(), message, Impact.SWEEP_BLOCKED);
    }
}
