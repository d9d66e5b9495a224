package io.registrygc.units;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Locale;
import org.junit.jupiter.api.Test;

class UnitsTest {

    @Test
    void durationsAreReadInOneGrammarAndWrittenBackInTheirShortestForm() {
        assertThat(Durations.parse("0")).isZero();
        assertThat(Durations.parse("90s")).isEqualTo(Duration.ofSeconds(90));
        assertThat(Durations.parse("2D")).isEqualTo(Duration.ofDays(2));
        assertThat(Durations.parse("pt1h30m")).isEqualTo(Duration.ofMinutes(90));
        for (Duration d : new Duration[] {Duration.ZERO, Duration.ofMillis(1500), Duration.ofSeconds(90),
                Duration.ofMinutes(90), Duration.ofHours(36), Duration.ofDays(3), Duration.ofDays(14)}) {
            assertThat(Durations.parse(Durations.format(d))).as(Durations.format(d)).isEqualTo(d);
        }
        assertThat(Durations.format(Duration.ofDays(14))).isEqualTo("2w");
        assertThat(Durations.format(Duration.ofHours(36))).isEqualTo("36h");
        assertThat(Durations.parse("36500d")).isEqualTo(Durations.MAX);
        assertThatThrownBy(() -> Durations.parse("36501d")).hasMessageContaining("out of range");
        assertThatThrownBy(() -> Durations.parse("5")).hasMessageContaining("needs a unit");
    }

    @Test
    void elapsedTimesReadWell() {
        assertThat(Durations.elapsed(null)).isEqualTo("-");
        assertThat(Durations.elapsed(Duration.ofMillis(850))).isEqualTo("850ms");
        assertThat(Durations.elapsed(Duration.ofMillis(12_345))).isEqualTo("12.3s");
        assertThat(Durations.elapsed(Duration.ofSeconds(30))).isEqualTo("30s");
        assertThat(Durations.elapsed(Duration.ofSeconds(245))).isEqualTo("4m05s");
        assertThat(Durations.elapsed(Duration.ofSeconds(7380))).isEqualTo("2h03m");
    }

    @Test
    void byteSizesAreTheSameInEveryLocale() {
        Locale before = Locale.getDefault();
        try {
            Locale.setDefault(Locale.GERMANY);
            assertThat(ByteSize.format(512)).isEqualTo("512 B");
            assertThat(ByteSize.format(1536)).isEqualTo("1.5 KiB");
            assertThat(ByteSize.format(3L << 30)).isEqualTo("3.0 GiB");
            assertThat(ByteSize.format(Long.MAX_VALUE)).isEqualTo("8.0 EiB");
        } finally {
            Locale.setDefault(before);
        }
    }
}
