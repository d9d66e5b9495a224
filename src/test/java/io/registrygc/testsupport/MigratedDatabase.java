package io.registrygc.testsupport;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.registrygc.audit.RunJournal;
import io.registrygc.db.RunPartitions;
import io.registrygc.run.GcSettings;
import java.util.UUID;
import org.flywaydb.core.Flyway;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The test database ({@link TestDatabase}) with the product's schema applied by Flyway, for tests that write
 * {@code gc_*} rows themselves instead of running the job.
 *
 * <p>The tables live in a schema of their own, {@value #SCHEMA}, owned by these tests: the hundreds of synthetic
 * runs they create never show up next to the runs of the end-to-end tests, which share the server and use
 * {@code public}, nor slow down their planning.
 */
public final class MigratedDatabase {

    public static final String SCHEMA = "registry_gc_unit_tests";

    /** The job name of the synthetic runs; not the product's, so nothing of it could ever list them. */
    private static final String JOB_NAME = "registryGcUnitTest";

    private static JdbcTemplate jdbc;

    private MigratedDatabase() {
    }

    /** A pooled, autocommit connection to the migrated schema; migrates it on first use in this JVM. */
    public static synchronized JdbcTemplate jdbc() {
        if (jdbc == null) {
            // built afresh once per JVM: always the current migrations (even one edited during development), and
            // nothing left by a test JVM that was killed before it could forget its runs
            new JdbcTemplate(TestDatabase.get().dataSource()).execute("DROP SCHEMA IF EXISTS " + SCHEMA + " CASCADE");
            Flyway.configure()
                    .dataSource(TestDatabase.get().dataSource())
                    .schemas(SCHEMA)
                    .locations("classpath:db/migration")
                    .load()
                    .migrate();
            HikariConfig pool = new HikariConfig();
            pool.setDataSource(TestDatabase.get().dataSource());
            pool.setSchema(SCHEMA);
            pool.setMaximumPoolSize(4);
            pool.setPoolName("migrated-test-database");
            // these runs are thrown away: waiting for each commit to reach the disk would only slow the tests
            pool.setConnectionInitSql("SET synchronous_commit = off");
            HikariDataSource dataSource = new HikariDataSource(pool);
            Runtime.getRuntime().addShutdownHook(new Thread(dataSource::close));
            jdbc = new JdbcTemplate(dataSource);
        }
        return jdbc;
    }

    /**
     * Creates a run as the job does when it starts: a Spring Batch job instance and execution (what {@code
     * gc_run} and {@code gc_execution} reference), then the run journal's rows, selections included.
     *
     * @return the new run id
     */
    public static long startRun(GcSettings settings) {
        JdbcTemplate db = jdbc();
        long runId = db.queryForObject("SELECT nextval('batch_job_instance_seq')", Long.class);
        // JOB_KEY is unique per job name and at most 32 characters
        db.update("INSERT INTO batch_job_instance (job_instance_id, version, job_name, job_key) VALUES (?, 0, ?, ?)",
                runId, JOB_NAME, UUID.randomUUID().toString().replace("-", ""));
        long executionId = db.queryForObject("SELECT nextval('batch_job_execution_seq')", Long.class);
        db.update("""
                INSERT INTO batch_job_execution (job_execution_id, version, job_instance_id, create_time, status)
                VALUES (?, 0, ?, now(), 'STARTED')""", executionId, runId);
        new RunJournal(db).executionStarted(runId, executionId, settings);
        return runId;
    }

    /** Removes a run and everything stored under it, so that the persistent test database does not grow. */
    public static void forgetRun(long runId) {
        JdbcTemplate db = jdbc();
        // gc_run's children go with it (ON DELETE CASCADE), gc_execution included, and so does its plan's partition
        // (V20); the audit is written without a foreign key (V12), and a plan may have been written for no gc_run row,
        // so they go by hand
        db.execute("DROP TABLE IF EXISTS " + RunPartitions.of("gc_plan_item", runId));
        db.update("DELETE FROM gc_audit WHERE run_id = ?", runId);
        db.update("DELETE FROM gc_run WHERE run_id = ?", runId);
        db.update("DELETE FROM batch_job_execution WHERE job_instance_id = ?", runId);
        db.update("DELETE FROM batch_job_instance WHERE job_instance_id = ?", runId);
    }
}
