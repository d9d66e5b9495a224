package io.registrygc.testsupport;

import io.registrygc.db.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import javax.sql.DataSource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * One real PostgreSQL for a test JVM: the server named by SPRING_DATASOURCE_URL when set, otherwise
 * the product's own embedded PostgreSQL under target/ (the folder {@code registrygc.test.database} names: the
 * build gives each forked test JVM its own, so forks running at once never share a server). Runs point at it
 * through system properties, exactly as the command line reads them.
 */
public final class TestDatabase {

    private static TestDatabase instance;

    private final String url;
    private final String username;
    private final String password;

    private TestDatabase(String url, String username, String password) {
        this.url = url;
        this.username = username;
        this.password = password;
    }

    public static synchronized TestDatabase get() {
        if (instance == null) {
            String external = System.getenv("SPRING_DATASOURCE_URL");
            if (external != null && !external.isBlank()) {
                instance = new TestDatabase(external, System.getenv("SPRING_DATASOURCE_USERNAME"),
                        System.getenv("SPRING_DATASOURCE_PASSWORD"));
            } else {
                try {
                    EmbeddedPostgres server = EmbeddedPostgres.start(Path.of(
                            System.getProperty("registrygc.test.database", "target/test-postgres")).toAbsolutePath());
                    Runtime.getRuntime().addShutdownHook(new Thread(server::close));
                    instance = new TestDatabase(server.jdbcUrl(), server.username(), "");
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            System.setProperty("spring.datasource.url", instance.url);
            if (instance.username != null) {
                System.setProperty("spring.datasource.username", instance.username);
            }
            if (instance.password != null) {
                System.setProperty("spring.datasource.password", instance.password);
            }
        }
        return instance;
    }

    public String url() {
        return url;
    }

    public DataSource dataSource() {
        return new DriverManagerDataSource(url, username == null ? "" : username, password == null ? "" : password);
    }

    public JdbcTemplate jdbc() {
        return new JdbcTemplate(dataSource());
    }
}
