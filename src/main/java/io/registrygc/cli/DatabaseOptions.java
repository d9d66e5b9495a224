package io.registrygc.cli;

import io.registrygc.RegistryGcApplication;
import io.registrygc.audit.RunHistory;
import io.registrygc.db.DatabaseSettings;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;
import org.springframework.jdbc.core.JdbcTemplate;
import picocli.CommandLine.Option;

/** {@code --database-dir}, and the database and Spring context a subcommand works in. */
class DatabaseOptions {

    @Option(names = "--database-dir", paramLabel = "DIR", defaultValue = "${sys:registrygc.home:-${env:REGISTRY_GC_HOME:-${sys:user.home}/.registry-gc}}",
            description = "Folder of the embedded PostgreSQL, used when SPRING_DATASOURCE_URL is not set (default: ${DEFAULT-VALUE}).")
    Path databaseDir;

    /** Connects to (or starts) the database, applies the schema and starts the Spring context. */
    Session open(Map<String, Object> extraProperties) throws Exception {
        DatabaseSettings database = DatabaseSettings.resolve(databaseDir);
        try {
            Map<String, Object> properties = new HashMap<>(database.springProperties());
            properties.putAll(extraProperties);
            // no JVM shutdown hook: closing is ours, and a SIGTERM must let the running step stop first
            // first in precedence: the database chosen here (an embedded one included) and the command line's
            // settings win over the environment's, even over an empty SPRING_DATASOURCE_URL
            ConfigurableApplicationContext context = new SpringApplicationBuilder(RegistryGcApplication.class)
                    .initializers(ctx -> ctx.getEnvironment().getPropertySources()
                            .addFirst(new MapPropertySource("registry-gc", properties)))
                    .registerShutdownHook(false)
                    .run();
            return new Session(database, context);
        } catch (Exception | Error e) {
            database.close();
            throw e;
        }
    }

    record Session(DatabaseSettings database, ConfigurableApplicationContext context) implements AutoCloseable {

        <T> T bean(Class<T> type) {
            return context.getBean(type);
        }

        RunHistory history() {
            return new RunHistory(bean(JobRepository.class), bean(JdbcTemplate.class));
        }

        @Override
        public void close() {
            try {
                context.close();
            } finally {
                database.close();
            }
        }
    }
}
