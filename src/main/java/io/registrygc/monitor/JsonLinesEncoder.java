package io.registrygc.monitor;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.StackTraceElementProxy;
import ch.qos.logback.core.encoder.EncoderBase;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Map;
import org.slf4j.event.KeyValuePair;

/**
 * One JSON object per log event and line, for log collectors (Loki, Elasticsearch, Splunk): {@code @timestamp},
 * {@code level}, {@code logger}, {@code thread}, {@code message}, the run's context (run_id, job_execution_id,
 * step), the event's key-value pairs (progress: done, total, rate, seconds_left) and {@code error}.
 */
public final class JsonLinesEncoder extends EncoderBase<ILoggingEvent> {

    private static final byte[] NOTHING = new byte[0];
    private final JsonFactory json = new JsonFactory();

    @Override
    public byte[] headerBytes() {
        return NOTHING;
    }

    @Override
    public byte[] footerBytes() {
        return NOTHING;
    }

    @Override
    public byte[] encode(ILoggingEvent event) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (JsonGenerator out = json.createGenerator(bytes)) {
            out.writeStartObject();
            out.writeStringField("@timestamp", Instant.ofEpochMilli(event.getTimeStamp()).toString());
            out.writeStringField("level", event.getLevel().toString());
            out.writeStringField("logger", event.getLoggerName());
            out.writeStringField("thread", event.getThreadName());
            out.writeStringField("message", event.getFormattedMessage());
            for (Map.Entry<String, String> entry : event.getMDCPropertyMap().entrySet()) {
                out.writeStringField(entry.getKey(), entry.getValue());
            }
            if (event.getKeyValuePairs() != null) {
                for (KeyValuePair pair : event.getKeyValuePairs()) {
                    out.writeFieldName(pair.key);
                    writeValue(out, pair.value);
                }
            }
            if (event.getThrowableProxy() != null) {
                writeError(out, event.getThrowableProxy());
            }
            out.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        bytes.write('\n');
        return bytes.toByteArray();
    }

    private static void writeValue(JsonGenerator out, Object value) throws IOException {
        if (value instanceof Long || value instanceof Integer) {
            out.writeNumber(((Number) value).longValue());
        } else if (value instanceof Number number) {
            out.writeNumber(number.doubleValue());
        } else if (value instanceof Boolean flag) {
            out.writeBoolean(flag);
        } else if (value == null) {
            out.writeNull();
        } else {
            out.writeString(value.toString());
        }
    }

    private static void writeError(JsonGenerator out, IThrowableProxy error) throws IOException {
        out.writeObjectFieldStart("error");
        out.writeStringField("type", error.getClassName());
        out.writeStringField("message", error.getMessage());
        StringBuilder stack = new StringBuilder();
        for (IThrowableProxy cause = error; cause != null; cause = cause.getCause()) {
            if (cause != error) {
                stack.append("Caused by: ");
            }
            stack.append(cause.getClassName()).append(": ").append(cause.getMessage()).append('\n');
            for (StackTraceElementProxy frame : cause.getStackTraceElementProxyArray()) {
                stack.append('\t').append(frame.getSTEAsString()).append('\n');
            }
        }
        out.writeStringField("stack_trace", stack.toString());
        out.writeEndObject();
    }
}
