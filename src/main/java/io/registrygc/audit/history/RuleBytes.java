package io.registrygc.audit.history;

import io.registrygc.plan.Totals;

/**
 * What one execution deleted (or planned) per rule: a policy rule's label, {@code --image},
 * {@code --delete-untagged}, or what made an item garbage without a rule. A blob counts for the rule of the deleted
 * manifest that referenced it (the first in repository order), so the bytes of all entries add up to the
 * execution's total; a blob that a surviving manifest shares is never deleted and so counts nowhere.
 */
public record RuleBytes(String rule, Totals totals) {

    /** Rows audited before rules were recorded. */
    public static final String UNKNOWN = "(not recorded)";
}
