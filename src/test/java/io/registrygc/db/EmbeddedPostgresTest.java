package io.registrygc.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import org.junit.jupiter.api.Test;

/**
 * The embedded server started in the background: reachable once {@link EmbeddedPostgres#awaitStarted} returns, its
 * failure to start surfaces there with the server's own words, and closing waits for the server to be gone. Its own
 * data folder under target/ (kept between builds, as a user's is), apart from the one the other tests share.
 */
class EmbeddedPostgresTest {

    private static final Path HOME = Path.of("target", "embedded-postgres-test").toAbsolutePath();

    @Test
    void startsInTheBackgroundServesOnceAwaitedAndIsGoneWhenClosed() throws Exception {
        EmbeddedPostgres server = EmbeddedPostgres.startInBackground(HOME);
        try {
            server.awaitStarted();
            try (Connection connection = DriverManager.getConnection(server.jdbcUrl(), server.username(), "");
                 ResultSet answer = connection.createStatement().executeQuery("SELECT 6 * 7")) {
                assertThat(answer.next()).isTrue();
                assertThat(answer.getInt(1)).isEqualTo(42);
            }
        } finally {
            server.close();
        }
        // close returns once the server removed its pid file (after its shutdown checkpoint), as pg_ctl -w does
        assertThat(server.dataDir().resolve("postmaster.pid")).doesNotExist();
        // and a second start on the same folder finds no server in its way
        try (EmbeddedPostgres again = EmbeddedPostgres.start(HOME)) {
            try (Connection connection = DriverManager.getConnection(again.jdbcUrl(), again.username(), "")) {
                assertThat(connection.isValid(5)).isTrue();
            }
        }
    }

    @Test
    void aServerThatCannotStartFailsTheAwaitWithItsOwnWordsAndClosingDoesNotHang() throws Exception {
        try (EmbeddedPostgres server = EmbeddedPostgres.start(HOME)) {
            assertThat(server.dataDir()).isDirectory(); // made (initdb) by the first start
        }
        Path settings = HOME.resolve("data").resolve("postgresql.auto.conf");
        byte[] original = Files.readAllBytes(settings);
        try {
            Files.writeString(settings, "\nshared_buffers = 'a lot'\n", StandardOpenOption.APPEND);
            EmbeddedPostgres server = EmbeddedPostgres.startInBackground(HOME);
            assertThatThrownBy(server::awaitStarted).isInstanceOf(IOException.class)
                    .hasMessageContaining("pg_ctl failed").hasMessageContaining("shared_buffers");
            server.close();
            assertThat(HOME.resolve("data").resolve("postmaster.pid")).doesNotExist();
        } finally {
            Files.write(settings, original);
        }
    }
}
