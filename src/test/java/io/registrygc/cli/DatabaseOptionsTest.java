package io.registrygc.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.registrygc.db.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The Spring context starts while the embedded PostgreSQL does: it works once both are up, and a server that cannot
 * start is what the command reports, not the context's failure for want of a connection.
 */
class DatabaseOptionsTest {

    private static final Path HOME = Path.of("target", "database-options-test").toAbsolutePath();

    @Test
    void theContextWaitsForTheEmbeddedServerAndAFailedStartIsReportedAsItself() throws Exception {
        // an external server (the test database's system property) would be used instead of the embedded one
        String external = System.clearProperty("spring.datasource.url");
        try {
            DatabaseOptions options = new DatabaseOptions();
            options.databaseDir = HOME;
            try (DatabaseOptions.Session session = options.open(Map.of())) {
                assertThat(session.database().description()).contains(HOME.toString());
                // the schema is there: Flyway ran once the server was up
                assertThat(session.bean(JdbcTemplate.class).queryForObject(
                        "SELECT COUNT(*) FROM flyway_schema_history WHERE success", Integer.class)).isPositive();
            }
            assertThat(HOME.resolve("postgres/data/postmaster.pid")).doesNotExist();

            Path settings = HOME.resolve("postgres/data/postgresql.auto.conf");
            byte[] original = Files.readAllBytes(settings);
            try {
                Files.writeString(settings, "\nshared_buffers = 'plenty'\n", StandardOpenOption.APPEND);
                assertThatThrownBy(() -> options.open(Map.of()).close()).isInstanceOf(IOException.class)
                        .hasMessageContaining("pg_ctl failed").hasMessageContaining("shared_buffers");
            } finally {
                Files.write(settings, original);
            }
            // and nothing is left running: the next start is a plain one
            try (EmbeddedPostgres server = EmbeddedPostgres.start(HOME.resolve("postgres"))) {
                assertThat(server.dataDir()).isDirectory();
            }
        } finally {
            if (external != null) {
                System.setProperty("spring.datasource.url", external);
            }
        }
    }
}
