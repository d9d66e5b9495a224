package io.registrygc.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.registrygc.e2e.support.E2eDirs;
import io.registrygc.e2e.support.Image;
import io.registrygc.e2e.support.ImageFactory;
import io.registrygc.e2e.support.Index;
import io.registrygc.e2e.support.JarProcess;
import io.registrygc.e2e.support.RegistryClient;
import io.registrygc.storage.Digest;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.testcontainers.containers.BindMode;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.postgresql.PostgreSQLContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * The deployment of docker-compose.yml in miniature: the official {@code registry:2} image writes the storage,
 * the official {@code postgres} image holds the job's state, and the packaged jar runs against both. Needs a
 * Docker engine and is skipped without one; the same behaviour is covered without Docker by the tests that use
 * the Debian registry binary and an embedded PostgreSQL.
 */
@Testcontainers(disabledWithoutDocker = true)
class ContainersIT {

    @Container
    static final PostgreSQLContainer POSTGRES = new PostgreSQLContainer(DockerImageName.parse("postgres:16-alpine"));

    @Test
    void collectsAStorageWrittenByTheRegistryImageWithItsStateInAPostgresServer() throws Exception {
        Path work = E2eDirs.newWorkDir("containers");
        Path root = Files.createDirectories(work.resolve("storage"));
        Index multiArch;
        Image untagged;
        Digest orphan;
        try (GenericContainer<?> registry = registry(root)) {
            registry.start();
            ImageFactory images = new ImageFactory(new RegistryClient(baseUri(registry)), 23L);
            multiArch = images.ociIndex("app", "multi", 2);
            untagged = images.image("app").docker().untagged().push();
            orphan = images.pushRandomBlob("app", 2048);
        }

        Map<String, String> database = Map.of("SPRING_DATASOURCE_URL", POSTGRES.getJdbcUrl(),
                "SPRING_DATASOURCE_USERNAME", POSTGRES.getUsername(), "SPRING_DATASOURCE_PASSWORD", POSTGRES.getPassword());
        JarProcess run = JarProcess.start(work, List.of(), database,
                "run", "--storage-root", root.toString(), "--delete-untagged", "--min-age", "0");
        assertThat(run.process().waitFor(300, TimeUnit.SECONDS)).isTrue();
        assertThat(run.process().exitValue()).as(run.output()).isZero();

        JdbcTemplate jdbc = new JdbcTemplate(new DriverManagerDataSource(POSTGRES.getJdbcUrl(), POSTGRES.getUsername(),
                POSTGRES.getPassword()));
        assertThat(jdbc.queryForList("SELECT digest FROM gc_audit WHERE action = 'DELETE_MANIFEST' AND outcome = 'DELETED'",
                String.class)).containsExactly(untagged.manifest().toString());
        assertThat(jdbc.queryForList("SELECT digest FROM gc_audit WHERE action = 'DELETE_BLOB'", String.class))
                .contains(orphan.toString());

        // a new registry container on the collected storage still serves the whole multi-arch image
        try (GenericContainer<?> registry = registry(root)) {
            registry.start();
            RegistryClient client = new RegistryClient(baseUri(registry));
            assertThat(client.headManifest("app", "multi", multiArch.mediaType())).contains(multiArch.digest());
            for (Image child : multiArch.children()) {
                assertThat(client.getManifest("app", child.manifest().toString(), child.mediaType())).isPresent();
                for (Digest blob : child.contentBlobs()) {
                    assertThat(client.blobExists("app", blob)).as(blob.toString()).isTrue();
                }
            }
            assertThat(client.getManifest("app", untagged.manifest().toString(), untagged.mediaType())).isEmpty();
            assertThat(client.blobExists("app", orphan)).isFalse();
        }

        JarProcess history = JarProcess.start(work, List.of(), database, "history", "--json");
        assertThat(history.process().waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(history.process().exitValue()).as(history.output()).isZero();
        assertThat(history.stdout()).contains("\"status\" : \"COMPLETED\"");
    }

    /** registry:2 on the storage folder, as this user so that the job (and the test's cleanup) owns the files. */
    private static GenericContainer<?> registry(Path root) {
        var user = new com.sun.security.auth.module.UnixSystem();
        return new GenericContainer<>(DockerImageName.parse("registry:2"))
                .withExposedPorts(5000)
                .withEnv("REGISTRY_STORAGE_DELETE_ENABLED", "true")
                .withFileSystemBind(root.toAbsolutePath().toString(), "/var/lib/registry", BindMode.READ_WRITE)
                .withCreateContainerCmdModifier(cmd -> cmd.withUser(user.getUid() + ":" + user.getGid()))
                .waitingFor(Wait.forHttp("/v2/").forStatusCode(200));
    }

    private static URI baseUri(GenericContainer<?> registry) {
        return URI.create("http://" + registry.getHost() + ":" + registry.getMappedPort(5000));
    }
}
