package io.registrygc.db;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Where the job's PostgreSQL is: {@code SPRING_DATASOURCE_URL} (with {@code _USERNAME} and
 * {@code _PASSWORD}) when set, otherwise the embedded server under the data folder.
 */
public final class DatabaseSettings implements AutoCloseable {

    private final Map<String, Object> properties;
    private final EmbeddedPostgres embedded;
    private final String description;

    private DatabaseSettings(Map<String, Object> properties, EmbeddedPostgres embedded, String description) {
        this.properties = properties;
        this.embedded = embedded;
        this.description = description;
    }

    /** The default home of the embedded server: {@code $REGISTRY_GC_HOME}, else {@code ~/.registry-gc}. */
    public static Path defaultHome() {
        String home = System.getenv("REGISTRY_GC_HOME");
        return home != null && !home.isBlank() ? Path.of(home) : Path.of(System.getProperty("user.home"), ".registry-gc");
    }

    private static String externalUrl() {
        String url = System.getProperty("spring.datasource.url");
        return url != null ? url : System.getenv("SPRING_DATASOURCE_URL");
    }

    /** Whether a database server is configured (SPRING_DATASOURCE_URL), which other processes can share. */
    public static boolean isExternal() {
        String url = externalUrl();
        return url != null && !url.isBlank();
    }

    /**
     * The configured server, or the embedded one, whose start may still be going on: {@link #awaitReady} before the
     * first connection.
     */
    public static DatabaseSettings resolve(Path embeddedHome) throws IOException {
        String url = externalUrl();
        Map<String, Object> properties = new HashMap<>();
        if (url != null && !url.isBlank()) {
            properties.put("spring.datasource.url", url);
            return new DatabaseSettings(properties, null, redact(url));
        }
        EmbeddedPostgres server = EmbeddedPostgres.startInBackground(embeddedHome.resolve("postgres"));
        properties.put("spring.datasource.url", server.jdbcUrl());
        properties.put("spring.datasource.username", server.username());
        properties.put("spring.datasource.password", "");
        return new DatabaseSettings(properties, server, "embedded PostgreSQL in " + server.dataDir());
    }

    /** Waits until the database accepts connections (the embedded server's start); its failure otherwise. */
    public void awaitReady() throws IOException {
        if (embedded != null) {
            embedded.awaitStarted();
        }
    }

    public Map<String, Object> springProperties() {
        return properties;
    }

    public String description() {
        return description;
    }

    private static String redact(String url) {
        return url.replaceAll("password=[^&]*", "password=***");
    }

    @Override
    public void close() {
        if (embedded != null) {
            embedded.close();
        }
    }
}
