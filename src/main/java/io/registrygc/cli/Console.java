package io.registrygc.cli;

import io.registrygc.monitor.LogFormat;
import java.io.PrintWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Messages for the person or scheduler running the command: plain "registry-gc: ..." lines on stderr, or,
 * with {@code --log-format json}, log events like every other line there.
 */
final class Console {

    private static final Logger log = LoggerFactory.getLogger("io.registrygc.cli");

    private Console() {
    }

    static void error(PrintWriter err, String message) {
        say(err, message, true);
    }

    static void warn(PrintWriter err, String message) {
        say(err, message, false);
    }

    private static void say(PrintWriter err, String message, boolean error) {
        if (LogFormat.active() == LogFormat.JSON) {
            err.flush();
            if (error) {
                log.error(message);
            } else {
                log.warn(message);
            }
        } else {
            err.println("registry-gc: " + (error ? "" : "warning: ") + message);
            err.flush();
        }
    }
}
