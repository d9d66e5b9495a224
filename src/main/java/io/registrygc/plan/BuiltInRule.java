package io.registrygc.plan;

/**
 * What a deletion is accounted to when no retention policy's rule decided it: the flags that select, and what
 * makes an item garbage by itself. Policy rules are accounted to their own labels ({@code policy 'x' rule 2: ...}).
 */
public enum BuiltInRule {
    /** Selected by {@code --image REPO} or {@code --image REPO:TAG}. */
    IMAGE("--image"),
    /** Untagged, with {@code --delete-untagged}. */
    DELETE_UNTAGGED("--delete-untagged"),
    /** A manifest no root reaches, or a layer link no kept manifest of its repository references. */
    UNREACHABLE("unreachable"),
    /** A blob that no manifest references, kept or deleted. */
    ORPHAN("orphan blob");

    private final String label;

    BuiltInRule(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
