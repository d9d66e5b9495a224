package io.registrygc.plan;

/** What carrying out a plan item did. */
public enum Outcome {
    DELETED,
    /** Nothing was there any more: an earlier, interrupted execution (or someone else) removed it. Counts as done. */
    ALREADY_GONE,
    /** Modified after the run's cutoff, so the plan no longer holds for it: kept. */
    KEPT_CHANGED,
    /** Dry run: recorded, not carried out. */
    PLANNED,
    /**
     * The storage changed since the plan in a way that makes the item wrong: a manifest written during the run holds
     * it, or (applying a dry run's plan) a tag moved or a reference appeared. Kept; never carried out.
     */
    DRIFTED;

    /** Whether the item counts as deleted (or, in a dry run, as planned): everything but what was kept. */
    public boolean countsAsDone() {
        return this != KEPT_CHANGED && this != DRIFTED;
    }
}
