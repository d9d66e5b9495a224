package io.registrygc.plan;

/** A plan item carried out (or, in a dry run, only planned): what it came to and the bytes it freed. */
public record ExecutedItem(PlanItem item, Outcome outcome, long bytes) {
}
