package io.registrygc.audit.history;

import io.registrygc.policy.Verdict;

/**
 * What a run decided about one tag or manifest it scanned, kept or deleted, and why ({@code show --decisions}).
 * {@code rule} is the retention rule or flag that decided, when one did.
 */
public record Decision(Subject subject, String repository, String tag, String digest, Verdict verdict, String rule,
        String reason) {

    public enum Subject { TAG, MANIFEST }
}
