package io.registrygc.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.registrygc.cli.RegistryGcCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The registry's own config.yml as registry-gc reads it: its storage section and the registry's environment overrides. */
class RegistryConfigTest {

    @TempDir
    Path dir;

    private Path config(String yaml) throws Exception {
        Path file = dir.resolve("config.yml");
        Files.writeString(file, yaml);
        return file;
    }

    @Test
    void aFilesystemStorageIsItsRootDirectoryAndTheRegistrysDefaultWithoutOne() throws Exception {
        assertThat(RegistryConfig.read(config("""
                version: 0.1
                storage:
                  filesystem:
                    rootdirectory: /srv/registry
                  delete:
                    enabled: true
                  cache:
                    blobdescriptor: inmemory
                """), Map.of())).isEqualTo(new RegistryConfig.FileSystem(Path.of("/srv/registry")));
        assertThat(RegistryConfig.read(config("storage:\n  filesystem: {}\n"), Map.of()))
                .isEqualTo(new RegistryConfig.FileSystem(Path.of("/var/lib/registry")));
    }

    @Test
    void anS3StorageWithItsEndpointKeysAndTheRegistrysEnvironmentOverrides() throws Exception {
        Path file = config("""
                storage:
                  s3:
                    accesskey: from-file
                    secretkey: secret-from-file
                    region: eu-west-1
                    regionendpoint: minio.internal:9000
                    bucket: registry
                    rootdirectory: /prod/
                    secure: false
                  redirect:
                    disable: true
                """);
        RegistryConfig.Storage storage = RegistryConfig.read(file, Map.of());
        assertThat(storage).isEqualTo(new RegistryConfig.S3(new S3Location("registry", "prod"), new S3Settings(
                Optional.of(URI.create("http://minio.internal:9000")), "eu-west-1", Optional.of("from-file"),
                Optional.of("secret-from-file"), true)));
        assertThat(((RegistryConfig.S3) storage).location()).hasToString("s3://registry/prod");
        assertThat(((RegistryConfig.S3) storage).settings().describe()).doesNotContain("secret");

        RegistryConfig.S3 overridden = (RegistryConfig.S3) RegistryConfig.read(file, Map.of(
                "REGISTRY_STORAGE_S3_ACCESSKEY", "from-env", "REGISTRY_STORAGE_S3_SECRETKEY", "secret-from-env",
                "REGISTRY_STORAGE_S3_BUCKET", "other", "REGISTRY_STORAGE_S3_FORCEPATHSTYLE", "false"));
        assertThat(overridden.location().bucket()).isEqualTo("other");
        assertThat(overridden.settings().accessKey()).contains("from-env");
        assertThat(overridden.settings().pathStyle()).isFalse();

        RegistryConfig.S3 aws = (RegistryConfig.S3) RegistryConfig.read(config("storage:\n  s3:\n    bucket: b-1\n    region: us-west-2\n"), Map.of());
        assertThat(aws.settings().endpoint()).isEmpty();
        assertThat(aws.settings().accessKey()).as("the SDK's default credential chain").isEmpty();
        assertThat(aws.location().prefix()).isEmpty();
    }

    @Test
    void theRegistrysStorageVariableChoosesTheDriver() throws Exception {
        Path file = config("storage:\n  filesystem:\n    rootdirectory: /srv\n");
        assertThat(RegistryConfig.read(file, Map.of("REGISTRY_STORAGE", "s3", "REGISTRY_STORAGE_S3_BUCKET", "from-env")))
                .isInstanceOfSatisfying(RegistryConfig.S3.class, s3 -> assertThat(s3.location().bucket()).isEqualTo("from-env"));
    }

    @Test
    void anUnsupportedDriverOrABadConfigIsRefusedNamingTheKey() throws Exception {
        assertThatThrownBy(() -> RegistryConfig.read(config("storage:\n  azure:\n    accountname: x\n"), Map.of()))
                .isInstanceOf(RegistryConfig.InvalidException.class).hasMessageContaining("'azure' is not supported");
        assertThatThrownBy(() -> RegistryConfig.read(config("storage:\n  s3:\n    region: x\n"), Map.of()))
                .hasMessageContaining("storage.s3.bucket is missing");
        assertThatThrownBy(() -> RegistryConfig.read(config("storage:\n  s3:\n    bucket: b-1\n    accesskey: a\n"), Map.of()))
                .hasMessageContaining("storage.s3.secretkey is missing");
        assertThatThrownBy(() -> RegistryConfig.read(config("storage:\n  s3:\n    bucket: b-1\n    secure: maybe\n"), Map.of()))
                .hasMessageContaining("storage.s3.secure is not true or false");
        assertThatThrownBy(() -> RegistryConfig.read(config("storage:\n  s3:\n    bucket: Not_A_Bucket\n"), Map.of()))
                .hasMessageContaining("not an S3 bucket name");
        assertThatThrownBy(() -> RegistryConfig.read(config("version: 0.1\n"), Map.of())).hasMessageContaining("storage is missing");
        assertThatThrownBy(() -> RegistryConfig.read(config("storage:\n  filesystem: {}\n  s3: {}\n"), Map.of()))
                .hasMessageContaining("storage must name one driver, it names filesystem, s3");
        assertThatThrownBy(() -> RegistryConfig.read(config("storage: [\n"), Map.of())).hasMessageContaining("is not YAML");
        assertThatThrownBy(() -> RegistryConfig.read(dir.resolve("none.yml"), Map.of())).hasMessageContaining("cannot be read");
    }

    @Test
    void theCommandLineRefusesABadConfigWithExitTwoBeforeOpeningADatabase() throws Exception {
        Path file = config("storage:\n  gcs:\n    bucket: b\n");
        StringWriter err = new StringWriter();
        int code = RegistryGcCommand.execute(new PrintWriter(new StringWriter(), true), new PrintWriter(err, true),
                "run", "--registry-config", file.toString(), "--database-dir", dir.resolve("db").toString());
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("storage driver 'gcs' is not supported");
        assertThat(dir.resolve("db")).doesNotExist();

        StringWriter both = new StringWriter();
        assertThat(RegistryGcCommand.execute(new PrintWriter(new StringWriter(), true), new PrintWriter(both, true),
                "run", "--registry-config", file.toString(), "--storage-root", dir.toString())).isEqualTo(2);
        assertThat(both.toString()).contains("give either --storage-root or --registry-config");
    }
}
