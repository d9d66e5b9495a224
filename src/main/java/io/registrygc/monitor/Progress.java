package io.registrygc.monitor;

import io.registrygc.units.Durations;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * How far one step has come: items done in this execution (and before a resume), the rate, and an
 * estimate of the time left where the total is known. Thread-safe: the step advances it, a reporter
 * thread reads it.
 */
public final class Progress {

    /** Total not known in advance (the scan walks repositories lazily). */
    public static final long UNKNOWN = -1;

    private final String step;
    private final String unit;
    private final long total;
    private final long doneBefore;
    private final LongSupplier nanoClock;
    private final long startNanos;
    private final Supplier<String> detail;
    private final AtomicLong done = new AtomicLong();

    public Progress(String step, String unit, long total, long doneBefore, Supplier<String> detail, LongSupplier nanoClock) {
        this.step = step;
        this.unit = unit;
        this.total = total;
        this.doneBefore = doneBefore;
        this.detail = detail;
        this.nanoClock = nanoClock;
        this.startNanos = nanoClock.getAsLong();
    }

    public static Progress start(String step, String unit, long total, long doneBefore, Supplier<String> detail) {
        return new Progress(step, unit, total, doneBefore, detail, System::nanoTime);
    }

    public void advance(long items) {
        done.addAndGet(items);
    }

    public Snapshot snapshot() {
        long doneNow = done.get();
        Duration elapsed = Duration.ofNanos(Math.max(0, nanoClock.getAsLong() - startNanos));
        double seconds = elapsed.toNanos() / 1e9;
        double rate = seconds > 0 ? doneNow / seconds : 0;
        Duration left = null;
        if (total != UNKNOWN && rate > 0) {
            long remaining = Math.max(0, total - doneBefore - doneNow);
            left = Duration.ofMillis((long) Math.ceil(remaining / rate * 1000));
        }
        return new Snapshot(step, unit, doneBefore + doneNow, doneBefore, total, elapsed, rate, left,
                detail == null ? null : detail.get());
    }

    /**
     * One reading. {@code done} counts the whole step (a resumed step starts at {@code doneBefore});
     * {@code rate} is items per second of this execution; {@code left} is null when it cannot be estimated.
     */
    public record Snapshot(String step, String unit, long done, long doneBefore, long total, Duration elapsed,
            double rate, Duration left, String detail) {

        public String message() {
            StringBuilder text = new StringBuilder(step).append(": ").append(done);
            if (total != UNKNOWN) {
                text.append(" of ").append(total).append(' ').append(unit);
                text.append(String.format(Locale.ROOT, " (%d%%)", total == 0 ? 100 : done * 100 / total));
            } else {
                text.append(' ').append(unit);
            }
            if (doneBefore > 0) {
                text.append(", ").append(doneBefore).append(" of them before the resume");
            }
            if (detail != null && !detail.isEmpty()) {
                text.append(" [").append(detail).append(']');
            }
            text.append(String.format(Locale.ROOT, ", %.1f/s", rate));
            if (left != null) {
                text.append(", about ").append(Durations.elapsed(left)).append(" left");
            }
            return text.toString();
        }

        public String summary() {
            return String.format(Locale.ROOT, "%s: %d %s in %s (%.1f/s)%s", step, done - doneBefore, unit,
                    Durations.elapsed(elapsed), rate, detail == null || detail.isEmpty() ? "" : " [" + detail + "]");
        }
    }
}
