package io.registrygc.storage;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * The {@code storage} section of the registry's own {@code config.yml}, with the registry's environment overrides
 * ({@code REGISTRY_STORAGE=s3}, {@code REGISTRY_STORAGE_S3_ACCESSKEY=...}): operators point registry-gc at the file
 * their registry already runs with. The {@code filesystem} and {@code s3} drivers are read; any other is refused by
 * name.
 */
public final class RegistryConfig {

    /** Keys of the storage section that are settings, not drivers (Distribution's configuration.Storage). */
    private static final Set<String> NOT_DRIVERS = Set.of("maintenance", "cache", "delete", "redirect", "tag");
    private static final String FILESYSTEM_DEFAULT_ROOT = "/var/lib/registry";

    /** A configuration that cannot be used: the message names the key. */
    public static final class InvalidException extends Exception {
        InvalidException(String message) {
            super(message);
        }
    }

    /** Where the storage is and how to reach it. */
    public sealed interface Storage {
        StorageDriver open() throws NotARegistryStorageException;
    }

    public record FileSystem(Path root) implements Storage {
        @Override
        public StorageDriver open() throws NotARegistryStorageException {
            return StorageOpener.openRoot(root.toString());
        }
    }

    public record S3(S3Location location, S3Settings settings) implements Storage {
        @Override
        public StorageDriver open() {
            return S3Driver.open(location, settings);
        }
    }

    private RegistryConfig() {
    }

    public static Storage read(Path file, Map<String, String> environment) throws InvalidException {
        Object document;
        try {
            document = new Yaml(new SafeConstructor(new LoaderOptions())).load(Files.readString(file));
        } catch (IOException e) {
            throw new InvalidException("--registry-config " + file + " cannot be read: " + e.getMessage());
        } catch (YAMLException e) {
            throw new InvalidException("--registry-config " + file + " is not YAML: " + e.getMessage());
        }
        Map<String, Object> storage = section(document instanceof Map<?, ?> map ? map.get("storage") : null, "storage", file);
        String driver = driver(storage, environment, file);
        Map<String, Object> parameters = new LinkedHashMap<>(section(storage.get(driver), "storage." + driver, file));
        String prefix = "REGISTRY_STORAGE_" + driver.toUpperCase(Locale.ROOT) + "_";
        environment.forEach((name, value) -> {
            if (name.startsWith(prefix) && !name.substring(prefix.length()).contains("_")) {
                parameters.put(name.substring(prefix.length()).toLowerCase(Locale.ROOT), value);
            }
        });
        return switch (driver) {
            case "filesystem" -> new FileSystem(Path.of(text(parameters, "rootdirectory", driver, file).orElse(FILESYSTEM_DEFAULT_ROOT)));
            case "s3" -> s3(parameters, file);
            default -> throw new InvalidException("--registry-config " + file + ": storage driver '" + driver
                    + "' is not supported (registry-gc reads 'filesystem' and 's3')");
        };
    }

    private static S3 s3(Map<String, Object> parameters, Path file) throws InvalidException {
        String bucket = text(parameters, "bucket", "s3", file)
                .orElseThrow(() -> new InvalidException("--registry-config " + file + ": storage.s3.bucket is missing"));
        String region = text(parameters, "region", "s3", file).orElse("us-east-1");
        boolean secure = bool(parameters, "secure", true, file);
        Optional<URI> endpoint = text(parameters, "regionendpoint", "s3", file).map(text ->
                URI.create(text.contains("://") ? text : (secure ? "https://" : "http://") + text));
        boolean pathStyle = bool(parameters, "forcepathstyle", endpoint.isPresent(), file);
        Optional<String> accessKey = text(parameters, "accesskey", "s3", file);
        Optional<String> secretKey = text(parameters, "secretkey", "s3", file);
        if (accessKey.isPresent() != secretKey.isPresent()) {
            throw new InvalidException("--registry-config " + file + ": storage.s3."
                    + (accessKey.isPresent() ? "secretkey" : "accesskey") + " is missing (the keys go in pairs)");
        }
        try {
            return new S3(new S3Location(bucket, text(parameters, "rootdirectory", "s3", file).orElse("")),
                    new S3Settings(endpoint, region, accessKey, secretKey, pathStyle));
        } catch (IllegalArgumentException e) {
            throw new InvalidException("--registry-config " + file + ": storage.s3: " + e.getMessage());
        }
    }

    private static String driver(Map<String, Object> storage, Map<String, String> environment, Path file)
            throws InvalidException {
        String overridden = environment.get("REGISTRY_STORAGE");
        if (overridden != null && !overridden.isBlank()) {
            return overridden.strip().toLowerCase(Locale.ROOT);
        }
        List<String> drivers = storage.keySet().stream().filter(key -> !NOT_DRIVERS.contains(key)).toList();
        if (drivers.size() != 1) {
            throw new InvalidException("--registry-config " + file + ": storage must name one driver, it names "
                    + (drivers.isEmpty() ? "none" : String.join(", ", drivers)));
        }
        return drivers.get(0);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> section(Object value, String key, Path file) throws InvalidException {
        if (value == null) {
            if (key.equals("storage")) {
                throw new InvalidException("--registry-config " + file + ": storage is missing");
            }
            return Map.of();
        }
        if (!(value instanceof Map<?, ?> map)) {
            throw new InvalidException("--registry-config " + file + ": " + key + " is not a section");
        }
        Map<String, Object> section = new LinkedHashMap<>();
        map.forEach((k, v) -> section.put(String.valueOf(k), v));
        return section;
    }

    private static Optional<String> text(Map<String, Object> parameters, String key, String driver, Path file)
            throws InvalidException {
        Object value = parameters.get(key);
        if (value == null || value.toString().isBlank()) {
            return Optional.empty();
        }
        if (value instanceof Map<?, ?> || value instanceof List<?>) {
            throw new InvalidException("--registry-config " + file + ": storage." + driver + "." + key + " is not a value");
        }
        return Optional.of(value.toString().strip());
    }

    private static boolean bool(Map<String, Object> parameters, String key, boolean absent, Path file)
            throws InvalidException {
        Object value = parameters.get(key);
        if (value == null) {
            return absent;
        }
        if (value instanceof Boolean b) {
            return b;
        }
        return switch (value.toString().strip().toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new InvalidException("--registry-config " + file + ": storage.s3." + key
                    + " is not true or false: " + value);
        };
    }
}
