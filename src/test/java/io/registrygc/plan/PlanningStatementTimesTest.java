package io.registrygc.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Planning's per-statement times: logged at debug only, with the statement's first line, after it ran. */
class PlanningStatementTimesTest {

    private final Logger logger = (Logger) LoggerFactory.getLogger(GcPlanner.class);
    private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
    private Level levelBefore;

    @BeforeEach
    void listen() {
        levelBefore = logger.getLevel();
        logged.start();
        logger.addAppender(logged);
    }

    @AfterEach
    void stopListening() {
        logger.detachAppender(logged);
        logger.setLevel(levelBefore);
    }

    @Test
    void eachStatementIsRunThenLoggedWithItsFirstLineAtDebug() {
        logger.setLevel(Level.DEBUG);
        List<String> ran = new ArrayList<>();

        GcPlanner.timed(ran::add).run("""

                UPDATE gc_manifest m SET keep_reason = 'x'
                 WHERE m.run_id = 7""");
        GcPlanner.timed(ran::add).run("SELECT '" + "y".repeat(200) + "'");

        assertThat(ran).hasSize(2);
        assertThat(logged.list).extracting(ILoggingEvent::getFormattedMessage).satisfiesExactly(
                first -> assertThat(first).matches("planning statement took \\d+ ms: UPDATE gc_manifest m SET keep_reason = 'x'"),
                second -> assertThat(second).endsWith("y".repeat(91) + "...").hasSizeLessThan(140));
    }

    @Test
    void nothingIsLoggedAboveDebugNorForAStatementThatFailed() {
        logger.setLevel(Level.INFO);
        GcPlanner.timed(sql -> { }).run("SELECT 1");
        logger.setLevel(Level.DEBUG);
        assertThatThrownBy(() -> GcPlanner.timed(sql -> {
            throw new IllegalStateException("refused");
        }).run("SELECT 2")).hasMessage("refused");

        assertThat(logged.list).isEmpty();
    }
}
