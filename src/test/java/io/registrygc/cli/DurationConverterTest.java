package io.registrygc.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.TypeConversionException;

class DurationConverterTest {

    private final DurationConverter converter = new DurationConverter();

    @Test
    void readsTheUnitsAnIntervalNeeds() {
        assertThat(converter.convert("0")).isEqualTo(Duration.ZERO);
        assertThat(converter.convert("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(converter.convert("30s")).isEqualTo(Duration.ofSeconds(30));
        assertThat(converter.convert(" 5M ")).isEqualTo(Duration.ofMinutes(5));
        assertThat(converter.convert("1h")).isEqualTo(Duration.ofHours(1));
        assertThat(converter.convert("2d")).isEqualTo(Duration.ofDays(2));
        assertThat(converter.convert("1w")).isEqualTo(Duration.ofDays(7));
        assertThat(converter.convert("PT1H30M")).isEqualTo(Duration.ofMinutes(90));
    }

    @Test
    void refusesWhatIsNotADuration() {
        for (String value : new String[] {"", "10", "-1s", "1.5s", "s", "10x", "1y", "-PT1H", "PT", "36501d", "9999999999999999999s", "99999999999999999d"}) {
            assertThatThrownBy(() -> converter.convert(value)).as(value).isInstanceOf(TypeConversionException.class);
        }
    }
}
