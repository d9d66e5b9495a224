package io.registrygc.job;

import io.registrygc.pulls.PullHistory;
import io.registrygc.pulls.PullLogIngest;
import io.registrygc.pulls.PullLogReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Before the scan: reads what is new in the registry's log files ({@code --pull-log}) into the pull history, in one
 * transaction with the files' new positions, so a failed run reads them again. What it read goes to the run's
 * summary ({@code gc_pull_read}), with what it could not take as it was, never fatal. A log
 * that cannot be read fails the run: deciding without the pulls it holds could delete what is in use.
 */
class ReadPullLogsTasklet implements Tasklet {

    private static final Logger log = LoggerFactory.getLogger(ReadPullLogsTasklet.class);

    private final RunContext run;
    private final JdbcTemplate jdbc;

    ReadPullLogsTasklet(RunContext run, JdbcTemplate jdbc) {
        this.run = run;
        this.jdbc = jdbc;
    }

    @Override
    public RepeatStatus execute(StepContribution contribution, ChunkContext chunkContext) {
        String root = run.settings().storageRoot().toString();
        PullLogIngest ingest = new PullLogIngest(new PullLogReader(), run.reader(), new PullHistory(jdbc), root);
        for (Path file : run.settings().pullLogs()) {
            PullLogIngest.FileRead read;
            try {
                read = ingest.read(file);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the pull log " + file + ": " + e.getMessage(), e);
            }
            var result = read.result();
            jdbc.update("""
                    INSERT INTO gc_pull_read (run_id, path, lines_read, pulls, malformed, unresolved, warnings)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (run_id, path) DO UPDATE SET lines_read = excluded.lines_read, pulls = excluded.pulls,
                        malformed = excluded.malformed, unresolved = excluded.unresolved, warnings = excluded.warnings""",
                    run.runId(), file.toString(), result.lines(), result.pulls(), result.malformedLines(), read.unresolved(),
                    result.warnings().isEmpty() ? null : String.join("; ", result.warnings()));
            result.warnings().forEach(warning -> log.warn("pull log: {}", warning));
            log.info("pull log {} ({}): {} new lines, {} pulls, {} malformed, {} of tags or repositories not found",
                    file, result.start(), result.lines(), result.pulls(), result.malformedLines(), read.unresolved());
        }
        return RepeatStatus.FINISHED;
    }
}
