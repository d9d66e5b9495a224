package io.registrygc.cli;

import io.registrygc.policy.ImageSelector;
import io.registrygc.policy.PolicyFile;
import io.registrygc.policy.PolicyFileException;
import io.registrygc.policy.ProtectedReference;
import io.registrygc.policy.RetentionPolicies;
import io.registrygc.run.GcSettings;
import io.registrygc.storage.NotARegistryStorageException;
import io.registrygc.storage.RegistryConfig;
import io.registrygc.storage.RegistryPaths;
import io.registrygc.storage.StorageDriver;
import io.registrygc.storage.StorageOpener;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Garbage-collect a registry storage: scan, delete manifests, delete orphan blobs.",
                "Without a selection only orphan blobs (and unreferenced _layers links) go. Select with --image,",
                "--delete-untagged, retention flags (--keep-last, --older-than, --keep-tags, --delete-tags,",
                "--repository) or a policy file (--policy); 'apply' carries out a dry run's plan later.",
                "The registry must be stopped or read-only while it runs, and restarted afterwards",
                "(its blob descriptor cache is stale after any offline deletion).",
                "Rerunning the same command after a failure resumes that run from its last checkpoint."},
        footer = {"", "Exit codes: 0 completed, 1 failed or stopped (rerun to resume), 2 usage or invalid input, an invalid policy",
                "file included (nothing deleted),",
                "3 another run in progress, 4 completed but the blob sweep was skipped (unreadable data, see report).",
                "Database: SPRING_DATASOURCE_URL/_USERNAME/_PASSWORD, else embedded PostgreSQL in --database-dir."})
public class RunCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--storage-root", paramLabel = "DIR|s3://BUCKET[/ROOT]",
            description = {"The registry's storage: its root directory (storage.filesystem.rootdirectory; it holds"
                    + " docker/registry/v2), or s3://BUCKET[/ROOTDIRECTORY] (reached with the standard AWS environment:"
                    + " AWS_ENDPOINT_URL_S3, AWS_REGION, keys or a role)."})
    String storageRoot;

    @Option(names = "--registry-config", paramLabel = "FILE",
            description = "The registry's own config.yml: its storage section (filesystem or s3) and the registry's"
                    + " REGISTRY_STORAGE_* environment overrides say where the storage is. Instead of --storage-root.")
    Path registryConfig;

    @Option(names = "--delete-untagged",
            description = "Also delete manifests no tag reaches (children of tagged indexes and referrers of kept images stay).")
    boolean deleteUntagged;

    @Option(names = "--image", paramLabel = "REPO[:TAG]",
            description = "Delete a whole repository (REPO) or one tag and its manifest unless another tag keeps it (REPO:TAG). Repeatable.")
    List<String> images = new ArrayList<>();

    @Option(names = "--dry-run", description = "Compute, print and record the exact plan; change nothing on disk.")
    boolean dryRun;

    @Option(names = "--min-age", paramLabel = "DURATION", defaultValue = "1h", converter = DurationConverter.class,
            description = "Never delete blob data, links or manifests modified more recently (default: ${DEFAULT-VALUE}; e.g. 0, 30m, 1h, 2d).")
    Duration minAge;

    @Option(names = "--policy", paramLabel = "FILE",
            description = "Retention policies (YAML): per repository glob, rules that keep or delete tags and untagged"
                    + " manifests; first matching policy wins. See the README for the format.")
    Path policy;

    @Option(names = "--repository", paramLabel = "GLOB",
            description = "Apply --keep-last/--older-than/--keep-tags/--delete-tags (and --delete-untagged) to these"
                    + " repositories only (* within a path segment, ** across). Repeatable; default: all.")
    List<String> repositories = new ArrayList<>();

    @Option(names = "--keep-tags", paramLabel = "REGEX",
            description = "Tags matching (the whole tag) are always kept. Repeatable.")
    List<String> keepTags = new ArrayList<>();

    @Option(names = "--keep-last", paramLabel = "N",
            description = "Of the other tags, keep the N most recently pushed (push time: the tag link's modification time).")
    Integer keepLast;

    @Option(names = "--older-than", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Delete only tags pushed longer ago than this (e.g. 30d).")
    Duration olderThan;

    @Option(names = "--delete-tags", paramLabel = "REGEX",
            description = "Delete only tags matching (the whole tag). With --keep-last and --older-than: a tag goes when"
                    + " every selector given selects it.")
    String deleteTags;

    @Option(names = "--keep-pulled-within", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Keep tags (and untagged manifests) pulled within this duration, per the pull history read"
                    + " from the registry's logs (--pull-log, this run and earlier ones).")
    Duration keepPulledWithin;

    @Option(names = "--keep-last-pulled", paramLabel = "N",
            description = "Of the tags --keep-tags leaves, keep the N whose manifests were pulled most recently.")
    Integer keepLastPulled;

    @Option(names = "--pull-log", paramLabel = "FILE",
            description = "A log file of the registry (text or JSON formatter, access log included; plain or gzip) to"
                    + " read successful manifest pulls from. Only what is new since the last run is read. Repeatable.")
    List<Path> pullLogs = new ArrayList<>();

    @Option(names = "--protect", paramLabel = "FILE",
            description = "Image references a cluster runs, one a line ('-': standard input): kept whatever any rule"
                    + " says (an index with all its children). Unreadable: exit 2. Repeatable.")
    List<String> protectFiles = new ArrayList<>();

    @Option(names = "--registry-host", paramLabel = "HOST[:PORT]",
            description = "The host prefix of this registry in --protect references; references of other hosts are"
                    + " ignored (and counted).")
    String registryHost;

    @Mixin
    LaunchOptions launch;

    @Override
    public Integer call() {
        GcSettings settings;
        StorageDriver storage = null;
        try {
            Launch.check(launch);
            storage = storage();
            settings = settings(storage);
        } catch (IllegalArgumentException | NotARegistryStorageException | RegistryConfig.InvalidException e) {
            if (storage != null) {
                storage.close();
            }
            Console.error(spec.commandLine().getErr(), e.getMessage());
            return ExitCodes.USAGE;
        } catch (PolicyFileException e) {
            storage.close();
            Console.error(spec.commandLine().getErr(), "invalid policy file " + e.getMessage());
            return ExitCodes.USAGE;
        }
        StorageDriver opened = storage;
        return new Launch(spec, launch).run(session -> {
            session.bean(StorageOpener.class).register(opened);
            return settings;
        });
    }

    /** The storage the options name, checked to be a registry's. */
    private StorageDriver storage() throws NotARegistryStorageException, RegistryConfig.InvalidException {
        if ((storageRoot == null) == (registryConfig == null)) {
            throw new IllegalArgumentException("give either --storage-root or --registry-config");
        }
        StorageDriver storage = registryConfig != null
                ? RegistryConfig.read(registryConfig, System.getenv()).open()
                : StorageOpener.openRoot(storageRoot);
        try {
            RegistryPaths.check(storage);
        } catch (NotARegistryStorageException e) {
            storage.close();
            throw e;
        }
        return storage;
    }

    /**
     * The run's settings from the options; every usage error (a policy file included) before the storage is read
     * beyond checking that it is one, and before the database is opened.
     */
    private GcSettings settings(StorageDriver storage) {
        List<ImageSelector> selectors = images.stream().map(ImageSelector::parse).toList();
        boolean retentionFlags = !repositories.isEmpty() || keepLast != null || olderThan != null || !keepTags.isEmpty()
                || deleteTags != null || keepPulledWithin != null || keepLastPulled != null;
        if (policy != null && retentionFlags) {
            throw new IllegalArgumentException("--policy cannot be combined with --repository, --keep-last, --older-than,"
                    + " --keep-tags or --delete-tags: write them as a rule of the policy file");
        }
        if (policy != null && deleteUntagged) {
            throw new IllegalArgumentException("--policy cannot be combined with --delete-untagged: write a"
                    + " 'delete-untagged-older-than: 0s' rule in the policy file");
        }
        if ((policy != null || retentionFlags) && !selectors.isEmpty()) {
            throw new IllegalArgumentException("--image cannot be combined with retention rules (--policy, --keep-last, ...):"
                    + " run them separately");
        }
        Optional<RetentionPolicies> retention = Optional.empty();
        if (policy != null) {
            retention = Optional.of(PolicyFile.read(policy));
        } else if (retentionFlags) {
            // --delete-untagged then belongs to the policy: it applies to the --repository globs only
            retention = Optional.of(RetentionPolicies.fromFlags(repositories, keepTags, keepLast, olderThan, deleteTags,
                    deleteUntagged, keepPulledWithin, keepLastPulled));
        }
        boolean globalUntagged = deleteUntagged && retention.isEmpty();
        List<Path> logs = new ArrayList<>();
        for (Path log : pullLogs) {
            if (!Files.isReadable(log)) {
                throw new IllegalArgumentException("--pull-log " + log + " cannot be read");
            }
            logs.add(log.toAbsolutePath().normalize());
        }
        return new GcSettings(storage.location(), dryRun, globalUntagged, minAge, selectors,
                Instant.now(), retention, OptionalLong.empty(), logs, protectedReferences());
    }

    /** Every --protect file, read now: one that cannot be read is a usage error (a GC that skips protection is worse). */
    private List<ProtectedReference> protectedReferences() {
        List<ProtectedReference> references = new ArrayList<>();
        for (String file : protectFiles) {
            List<String> lines;
            try {
                lines = file.equals("-")
                        ? new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).lines().toList()
                        : Files.readAllLines(Path.of(file), StandardCharsets.UTF_8);
            } catch (IOException | UncheckedIOException e) {
                throw new IllegalArgumentException("--protect " + file + " cannot be read: " + e.getMessage());
            }
            ProtectedReference.Parsed parsed = ProtectedReference.parse(lines, file.equals("-") ? "stdin" : file,
                    Optional.ofNullable(registryHost));
            PrintWriter err = spec.commandLine().getErr();
            if (parsed.otherRegistries() > 0) {
                Console.warn(err, "--protect " + file + ": " + parsed.otherRegistries() + " references of other registries ignored"
                        + (registryHost == null ? " (give --registry-host to name this one)" : ""));
            }
            parsed.problems().forEach(problem -> Console.warn(err, "--protect: not an image reference, ignored: " + problem));
            references.addAll(parsed.references());
        }
        return references;
    }
}
