package io.registrygc.db;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BulkCopyCsvTest {

    @Test
    void nullIsAnEmptyFieldAndStringsAreQuotedWithTheirQuotesDoubled() {
        List<Object[]> rows = new ArrayList<>();
        rows.add(new Object[] {7L, null, true, "sha256:ab", "say \"hi\", then, go"});
        rows.add(new Object[] {OffsetDateTime.of(2026, 11, 29, 4, 5, 6, 0, ZoneOffset.UTC), ""});

        assertThat(BulkCopy.Csv.of(rows).text()).isEqualTo("""
                7,,true,"sha256:ab","say ""hi"", then, go"
                "2026-11-29T04:05:06Z",""
                """);
    }

    @Test
    void textBeyondAsciiIsWrittenAsUtf8FromWhereItStarts() {
        List<Object[]> rows = new ArrayList<>();
        rows.add(new Object[] {"a/\"b\"/déjà \"vu\" ✓", 1});

        assertThat(BulkCopy.Csv.of(rows).text()).isEqualTo("\"a/\"\"b\"\"/déjà \"\"vu\"\" ✓\",1\n");
    }

    @Test
    void growsPastItsFirstGuess() {
        List<Object[]> rows = new ArrayList<>();
        String longName = "x".repeat(10_000);
        rows.add(new Object[] {longName});

        assertThat(BulkCopy.Csv.of(rows).text()).isEqualTo("\"" + longName + "\"\n");
    }
}
