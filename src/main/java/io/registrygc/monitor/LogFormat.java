package io.registrygc.monitor;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.Encoder;
import java.util.IdentityHashMap;
import java.util.Map;
import org.slf4j.LoggerFactory;

/** How logs are written to stderr: plain lines (as logback.xml configures them) or JSON lines. */
public enum LogFormat {
    PLAIN, JSON;

    private static volatile LogFormat active = PLAIN;
    private static final Map<OutputStreamAppender<ILoggingEvent>, Encoder<ILoggingEvent>> PLAIN_ENCODERS =
            new IdentityHashMap<>();

    public static LogFormat active() {
        return active;
    }

    /** Switches the console appenders' encoders; call before the run starts logging. */
    public void apply() {
        synchronized (PLAIN_ENCODERS) {
            if (this == active || !(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
                return;
            }
            Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
            for (var it = root.iteratorForAppenders(); it.hasNext(); ) {
                Appender<ILoggingEvent> appender = it.next();
                if (appender instanceof OutputStreamAppender<ILoggingEvent> console) {
                    Encoder<ILoggingEvent> encoder;
                    if (this == JSON) {
                        PLAIN_ENCODERS.put(console, console.getEncoder());
                        JsonLinesEncoder json = new JsonLinesEncoder();
                        json.setContext(context);
                        json.start();
                        encoder = json;
                    } else {
                        encoder = PLAIN_ENCODERS.remove(console);
                    }
                    if (encoder != null) {
                        console.stop();
                        console.setEncoder(encoder);
                        console.start();
                    }
                }
            }
            active = this;
        }
    }
}
