package io.registrygc.storage;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;

/** Requests made to an object store, by kind: on S3 every request is billed, so a run reports them. */
public final class RequestCounts {

    /** The kinds of requests, as S3 prices them. */
    public enum Kind { LIST, GET, HEAD, PUT, DELETE }

    private final AtomicLongArray counts = new AtomicLongArray(Kind.values().length);

    public void add(Kind kind) {
        counts.incrementAndGet(kind.ordinal());
    }

    public long get(Kind kind) {
        return counts.get(kind.ordinal());
    }

    public Map<Kind, Long> snapshot() {
        Map<Kind, Long> snapshot = new EnumMap<>(Kind.class);
        for (Kind kind : Kind.values()) {
            snapshot.put(kind, get(kind));
        }
        return snapshot;
    }
}
