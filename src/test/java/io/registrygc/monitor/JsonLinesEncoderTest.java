package io.registrygc.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.event.KeyValuePair;

class JsonLinesEncoderTest {

    private final LoggerContext context = new LoggerContext();
    private final JsonLinesEncoder encoder = new JsonLinesEncoder();

    private LoggingEvent event(String message, Throwable error, Object... arguments) {
        LoggingEvent event = new LoggingEvent("test", context.getLogger("io.registrygc.job.Test"), Level.WARN, message, error,
                arguments);
        event.setTimeStamp(1_795_827_925_123L);
        event.setThreadName("main");
        event.setMDCPropertyMap(Map.of());
        return event;
    }

    private JsonNode encode(LoggingEvent event) throws Exception {
        String line = new String(encoder.encode(event), StandardCharsets.UTF_8);
        assertThat(line).endsWith("\n").doesNotContain("\n\n");
        assertThat(line.substring(0, line.length() - 1)).doesNotContain("\n");
        return new ObjectMapper().readTree(line);
    }

    @Test
    void oneObjectPerLineWithTheStandardFields() throws Exception {
        JsonNode json = encode(event("kept {}: it changed \"after\" the cutoff", null, "blob sha256:ab"));
        assertThat(json.get("@timestamp").asText()).isEqualTo("2026-11-28T01:05:25.123Z");
        assertThat(json.get("level").asText()).isEqualTo("WARN");
        assertThat(json.get("logger").asText()).isEqualTo("io.registrygc.job.Test");
        assertThat(json.get("thread").asText()).isEqualTo("main");
        assertThat(json.get("message").asText()).isEqualTo("kept blob sha256:ab: it changed \"after\" the cutoff");
        assertThat(json.has("error")).isFalse();
    }

    @Test
    void runContextAndKeyValuesBecomeFieldsWithTheirTypes() throws Exception {
        LoggingEvent event = new LoggingEvent("test", context.getLogger("x"), Level.INFO, "deleteOrphanBlobs: 300 of 1200",
                null, null);
        event.setMDCPropertyMap(Map.of("run_id", "7", "job_execution_id", "9", "step", "deleteOrphanBlobs"));
        event.setKeyValuePairs(List.of(new KeyValuePair("event", "progress"), new KeyValuePair("done", 300L),
                new KeyValuePair("total", 1200L), new KeyValuePair("rate", 30.5)));
        JsonNode json = encode(event);
        assertThat(json.get("run_id").asText()).isEqualTo("7");
        assertThat(json.get("job_execution_id").asText()).isEqualTo("9");
        assertThat(json.get("step").asText()).isEqualTo("deleteOrphanBlobs");
        assertThat(json.get("event").asText()).isEqualTo("progress");
        assertThat(json.get("done").isIntegralNumber()).isTrue();
        assertThat(json.get("total").asLong()).isEqualTo(1200);
        assertThat(json.get("rate").asDouble()).isEqualTo(30.5);
    }

    @Test
    void errorsCarryTypeMessageAndTheWholeCauseChainOnOneLine() throws Exception {
        Exception error = new IllegalStateException("cannot delete blob",
                new java.io.IOException("Operation not permitted"));
        JsonNode json = encode(event("step failed", error));
        assertThat(json.get("error").get("type").asText()).isEqualTo("java.lang.IllegalStateException");
        assertThat(json.get("error").get("message").asText()).isEqualTo("cannot delete blob");
        assertThat(json.get("error").get("stack_trace").asText())
                .contains("JsonLinesEncoderTest.errorsCarryTypeMessageAndTheWholeCauseChainOnOneLine")
                .contains("Caused by: java.io.IOException: Operation not permitted");
    }
}
