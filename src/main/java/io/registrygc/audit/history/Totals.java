package io.registrygc.audit.history;

/**
 * What one job execution did, from its audit rows: deletions carried out (DELETED and ALREADY_GONE) or, for a
 * dry run, planned (PLANNED); bytes are those of the blobs among them. {@code keptChanged} counts plan items
 * kept because they changed after the run's cutoff.
 */
public record Totals(long tags, long manifests, long layerLinks, long repositories, long blobs, long bytesReclaimed,
        long keptChanged) {

    public static final Totals NONE = new Totals(0, 0, 0, 0, 0, 0, 0);
}
