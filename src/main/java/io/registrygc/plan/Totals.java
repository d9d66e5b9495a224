package io.registrygc.plan;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/**
 * What a set of audited plan items amounts to: items per action that count as done (deleted, already gone, or
 * in a dry run planned), the bytes of the blobs among them, the items kept because they changed, and those
 * skipped because the storage drifted from an applied plan. The one
 * place where outcomes are counted: the run summary, {@code history}, {@code show} and the per-repository bytes
 * all add up through {@link Builder#add}.
 */
public record Totals(Map<PlanItem.Action, Long> counts, long bytes, long keptChanged, long drifted) {

    public static final Totals NONE = new Builder().build();

    public Totals {
        EnumMap<PlanItem.Action, Long> all = new EnumMap<>(PlanItem.Action.class);
        for (PlanItem.Action action : PlanItem.Action.values()) {
            all.put(action, counts.getOrDefault(action, 0L));
        }
        counts = Collections.unmodifiableMap(all);
    }

    public long count(PlanItem.Action action) {
        return counts.get(action);
    }

    public static final class Builder {
        private final EnumMap<PlanItem.Action, Long> counts = new EnumMap<>(PlanItem.Action.class);
        private long bytes;
        private long keptChanged;
        private long drifted;

        /** {@code items} audited items of one action and outcome, {@code bytes} their bytes. */
        public Builder add(PlanItem.Action action, Outcome outcome, long items, long bytes) {
            if (outcome.countsAsDone()) {
                counts.merge(action, items, Long::sum);
                if (action == PlanItem.Action.DELETE_BLOB) {
                    this.bytes += bytes;
                }
            } else if (outcome == Outcome.DRIFTED) {
                drifted += items;
            } else {
                keptChanged += items;
            }
            return this;
        }

        public Totals build() {
            return new Totals(counts, bytes, keptChanged, drifted);
        }
    }
}
