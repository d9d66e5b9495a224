package io.registrygc.policy;

/** What a retention policy decides for a tag. */
public enum Verdict {
    KEEP, DELETE
}
