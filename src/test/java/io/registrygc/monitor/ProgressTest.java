package io.registrygc.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import io.registrygc.units.Durations;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ProgressTest {

    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

    private Progress progress(long total, long doneBefore, String detail) {
        return new Progress("deleteOrphanBlobs", "plan items", total, doneBefore, () -> detail, nanos::get);
    }

    private void elapse(Duration duration) {
        nanos.addAndGet(duration.toNanos());
    }

    @Test
    void knownTotalGivesPercentRateAndTimeLeft() {
        Progress progress = progress(1200, 0, null);
        elapse(Duration.ofSeconds(10));
        progress.advance(300);

        Progress.Snapshot snapshot = progress.snapshot();
        assertThat(snapshot.done()).isEqualTo(300);
        assertThat(snapshot.rate()).isEqualTo(30.0);
        assertThat(snapshot.left()).isEqualTo(Duration.ofSeconds(30));
        assertThat(snapshot.message()).isEqualTo("deleteOrphanBlobs: 300 of 1200 plan items (25%), 30.0/s, about 30s left");
    }

    @Test
    void resumedStepCountsEarlierWorkButRatesOnlyThisExecution() {
        Progress progress = progress(1000, 600, null);
        elapse(Duration.ofSeconds(4));
        progress.advance(200);

        Progress.Snapshot snapshot = progress.snapshot();
        assertThat(snapshot.done()).isEqualTo(800);
        assertThat(snapshot.rate()).isEqualTo(50.0);
        assertThat(snapshot.left()).isEqualTo(Duration.ofSeconds(4));
        assertThat(snapshot.message()).isEqualTo(
                "deleteOrphanBlobs: 800 of 1000 plan items (80%), 600 of them before the resume, 50.0/s, about 4s left");
        assertThat(snapshot.summary()).isEqualTo("deleteOrphanBlobs: 200 plan items in 4s (50.0/s)");
    }

    @Test
    void unknownTotalHasNoEstimateAndShowsTheDetail() {
        Progress progress = new Progress("scan", "scan targets", Progress.UNKNOWN, 0, () -> "3 blob shards, 40 blobs",
                nanos::get);
        elapse(Duration.ofMillis(500));
        progress.advance(3);

        Progress.Snapshot snapshot = progress.snapshot();
        assertThat(snapshot.left()).isNull();
        assertThat(snapshot.message()).isEqualTo("scan: 3 scan targets [3 blob shards, 40 blobs], 6.0/s");
    }

    @Test
    void nothingDoneYetMeansNoEstimateRatherThanInfinity() {
        Progress progress = progress(50, 0, null);
        elapse(Duration.ofMinutes(3));
        Progress.Snapshot snapshot = progress.snapshot();
        assertThat(snapshot.rate()).isZero();
        assertThat(snapshot.left()).isNull();
        assertThat(snapshot.message()).isEqualTo("deleteOrphanBlobs: 0 of 50 plan items (0%), 0.0/s");
    }

    @Test
    void emptyStepIsComplete() {
        assertThat(progress(0, 0, null).snapshot().message()).startsWith("deleteOrphanBlobs: 0 of 0 plan items (100%)");
    }

    @Test
    void longDurationsReadAsMinutesAndHours() {
        assertThat(Durations.elapsed(Duration.ofSeconds(75))).isEqualTo("1m15s");
        assertThat(Durations.elapsed(Duration.ofSeconds(3 * 3600 + 25 * 60 + 9))).isEqualTo("3h25m");
        assertThat(Durations.elapsed(Duration.ofMillis(2500))).isEqualTo("2.5s");
        assertThat(Durations.elapsed(Duration.ofSeconds(42))).isEqualTo("42s");
        assertThat(Durations.elapsed(Duration.ofMillis(3))).isEqualTo("3ms");
    }

    @Test
    void reporterReportsAtItsIntervalUntilClosed() throws Exception {
        Progress progress = Progress.start("scan", "scan targets", Progress.UNKNOWN, 0, null);
        java.util.List<Progress.Snapshot> reports = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.concurrent.atomic.AtomicReference<String> thread = new java.util.concurrent.atomic.AtomicReference<>();
        try (ProgressReporter reporter = ProgressReporter.every(Duration.ofMillis(20), progress, reports::add,
                () -> thread.set(Thread.currentThread().getName()))) {
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (reports.size() < 3 && System.nanoTime() < deadline) {
                progress.advance(1);
                Thread.sleep(5);
            }
        }
        int afterClose = reports.size();
        Thread.sleep(100);
        assertThat(afterClose).isGreaterThanOrEqualTo(3);
        assertThat(reports).hasSize(afterClose);
        assertThat(thread.get()).isEqualTo("registry-gc-progress");
    }

    @Test
    void zeroIntervalReportsNothing() throws Exception {
        java.util.List<Progress.Snapshot> reports = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (ProgressReporter reporter = ProgressReporter.every(Duration.ZERO,
                Progress.start("scan", "scan targets", Progress.UNKNOWN, 0, null), reports::add, () -> { })) {
            Thread.sleep(50);
        }
        assertThat(reports).isEmpty();
    }
}
