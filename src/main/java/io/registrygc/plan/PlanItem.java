package io.registrygc.plan;

/** One deletion of the plan, with the reason it was decided. */
public record PlanItem(long seq, Phase phase, Action action, String repository, String tag, String digest,
        long bytes, String reason) {

    public enum Phase { MANIFESTS, BLOBS }

    public enum Action { DELETE_TAG, DELETE_MANIFEST, DELETE_LAYER_LINK, DELETE_REPOSITORY, DELETE_BLOB }

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
