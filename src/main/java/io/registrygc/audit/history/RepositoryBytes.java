package io.registrygc.audit.history;

import io.registrygc.plan.Totals;

/**
 * What one execution deleted (or planned) per repository. A blob has no repository of its own: its bytes go to
 * the one repository that referenced it in the run's scan, to {@link #SHARED} when several did, and to
 * {@link #UNREFERENCED} when none did, so the bytes of all entries add up to the execution's total.
 */
public record RepositoryBytes(String repository, Totals totals) {

    /** Blobs that several repositories referenced. */
    public static final String SHARED = "(shared)";
    /** Blobs that no scanned manifest, revision or layer link referenced. */
    public static final String UNREFERENCED = "(blobs)";
}
