package io.registrygc.cli;

import io.registrygc.RegistryGcApplication;
import io.registrygc.audit.RunHistory;
import io.registrygc.db.DatabaseSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import javax.sql.DataSource;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.beans.factory.config.BeanPostProcessor;
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

    /**
     * Connects to (or starts) the database, applies the schema and starts the Spring context. The embedded server
     * starts while the context does: the context waits for it only where it makes its data source.
     */
    Session open(Map<String, Object> extraProperties) throws Exception {
        DatabaseSettings database = DatabaseSettings.resolve(databaseDir);
        try {
            Map<String, Object> properties = new HashMap<>(database.springProperties());
            properties.putAll(extraProperties);
            // no JVM shutdown hook: closing is ours, and a SIGTERM must let the running step stop first
            // first in precedence: the database chosen here (an embedded one included) and the command line's
            // settings win over the environment's, even over an empty SPRING_DATASOURCE_URL
            ConfigurableApplicationContext context = new SpringApplicationBuilder(RegistryGcApplication.class)
                    .initializers(ctx -> {
                        ctx.getEnvironment().getPropertySources().addFirst(new MapPropertySource("registry-gc", properties));
                        ctx.getBeanFactory().addBeanPostProcessor(new AwaitDatabase(database));
                    })
                    .registerShutdownHook(false)
                    .run();
            return new Session(database, context);
        } catch (Exception | Error e) {
            try {
                // a context that failed for want of its database says less than the database's own failure
                database.awaitReady();
            } catch (IOException databaseFailure) {
                databaseFailure.addSuppressed(e);
                database.close();
                throw databaseFailure;
            }
            database.close();
            throw e;
        }
    }

    /** Holds the making of a data source until the database accepts connections. */
    private record AwaitDatabase(DatabaseSettings database) implements BeanPostProcessor {
        @Override
        public Object postProcessBeforeInitialization(Object bean, String beanName) {
            if (bean instanceof DataSource) {
                try {
                    database.awaitReady();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            return bean;
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
