package io.registrygc.plan;

/**
 * One deletion of the plan, with the reason it was decided and the rule it is accounted to ({@code rule}: a
 * policy rule's label, {@code --image}, {@code --delete-untagged}, or what made it garbage). {@code drift} is set
 * for an item the storage no longer allows (a manifest written during the run holds it, or a run that applies a
 * dry run's plan found the storage changed): it says what changed, and the item is recorded, not carried out.
 */
public record PlanItem(long seq, Phase phase, Action action, String repository, String tag, String digest,
        long bytes, String reason, String rule, String drift) {

    public PlanItem(long seq, Phase phase, Action action, String repository, String tag, String digest, long bytes,
            String reason) {
        this(seq, phase, action, repository, tag, digest, bytes, reason, null, null);
    }

    public enum Phase { MANIFESTS, BLOBS }

    public enum Action { DELETE_TAG, DELETE_MANIFEST, DELETE_LAYER_LINK, DELETE_REPOSITORY, DELETE_BLOB }

    public PlanItem withDrift(String changed) {
        return new PlanItem(seq, phase, action, repository, tag, digest, bytes, reason, rule, changed);
    }

    public String describe() {
        return switch (action) {
            case DELETE_TAG -> "tag " + repository + ":" + tag;
            case DELETE_MANIFEST -> "manifest " + repository + "@" + digest;
            case DELETE_LAYER_LINK -> "layer link " + repository + "/_layers/" + digest;
            case DELETE_REPOSITORY -> "repository " + repository;
            case DELETE_BLOB -> "blob " + digest;
        };
    }
}
