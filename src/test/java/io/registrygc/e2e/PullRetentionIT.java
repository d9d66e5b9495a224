package io.registrygc.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.registrygc.e2e.support.E2eDirs;
import io.registrygc.e2e.support.Image;
import io.registrygc.e2e.support.ImageFactory;
import io.registrygc.e2e.support.Index;
import io.registrygc.e2e.support.RegistryClient;
import io.registrygc.e2e.support.RegistryServer;
import io.registrygc.e2e.support.StorageSnapshot;
import io.registrygc.testsupport.Gc;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

/**
 * Retention by last pull, from the real registry's own logs, and protection of what a cluster runs: the registry
 * logs to a file (text, then JSON after a rotation), a client pulls some tags, and the runs keep exactly those;
 * protected references survive a rule that deletes everything else; bad logs are counted, never fatal; an unreadable
 * protect file is exit 2.
 */
class PullRetentionIT {

    @Test
    void keepsWhatWasPulledAndReadsOnlyNewLinesAfterARotation() throws IOException {
        Path work = E2eDirs.newWorkDir("pulls");
        Path storage = work.resolve("storage");
        Path logs = work.resolve("registry");
        Image a;
        Image b;
        Image c;
        try (RegistryServer server = RegistryServer.startLogging(storage, logs, "text")) {
            RegistryClient client = new RegistryClient(server);
            ImageFactory images = new ImageFactory(client, 1L);
            a = images.dockerImage("app", "a");
            b = images.dockerImage("app", "b");
            c = images.dockerImage("app", "c");
            assertThat(client.getManifest("app", "a", a.mediaType())).isPresent();
            assertThat(client.getManifest("app", c.manifest().toString(), c.mediaType())).isPresent(); // by digest
        }
        for (String tag : new String[] {"a", "b", "c"}) {
            RetentionIT.pushed(storage, "app", tag, Duration.ofDays(40));
        }
        Path log = logs.resolve("registry.log");
        Gc.Result first = Gc.run(storage, "--repository", "app", "--keep-pulled-within", "30d", "--older-than", "30d",
                "--pull-log", log.toString(), "--min-age", "0");
        assertThat(first.exitCode()).as(first.toString()).isZero();
        assertThat(StorageSnapshot.tags(storage, "app").keySet()).containsExactlyInAnyOrder("a", "c");
        assertThat(StorageSnapshot.manifestRevisions(storage, "app")).contains(a.manifest(), c.manifest())
                .doesNotContain(b.manifest());
        assertThat(first.out()).contains("pull logs read:", log + ": ").containsPattern("[1-9]\\d* pulls");
        String decisions = Gc.run("show", Long.toString(lastExecution()), "--decisions").out();
        assertThat(decisions).contains("kept by policy 'command line' rule 1: keep-pulled-within 30d: pulled ")
                .contains("(log line " + log + ":");

        // rotation: the text log is moved away, the registry logs JSON to a new file, more pulls happen
        Path rotated = logs.resolve("registry.log.1");
        Files.move(log, rotated);
        Image x;
        Image y;
        try (RegistryServer server = RegistryServer.startLogging(storage, logs, "json")) {
            RegistryClient client = new RegistryClient(server);
            ImageFactory images = new ImageFactory(client, 2L);
            x = images.ociImage("app2", "x");
            y = images.ociImage("app2", "y");
            assertThat(client.headManifest("app2", "x", x.mediaType())).contains(x.manifest()); // HEAD counts as use
        }
        RetentionIT.pushed(storage, "app2", "x", Duration.ofDays(40));
        RetentionIT.pushed(storage, "app2", "y", Duration.ofDays(40));
        Gc.Result second = Gc.run(storage, "--repository", "app2", "--keep-pulled-within", "30d", "--older-than", "30d",
                "--pull-log", log.toString(), "--pull-log", rotated.toString(), "--min-age", "0");
        assertThat(second.exitCode()).as(second.toString()).isZero();
        assertThat(StorageSnapshot.tags(storage, "app2").keySet()).containsExactly("x");
        assertThat(StorageSnapshot.manifestRevisions(storage, "app2")).doesNotContain(y.manifest());
        assertThat(StorageSnapshot.tags(storage, "app").keySet()).containsExactlyInAnyOrder("a", "c");
        // the rotated file was read to its end by the first run: nothing new in it
        assertThat(second.out()).contains(rotated + ": 0 new lines, 0 pulls").containsPattern(
                java.util.regex.Pattern.quote(log.toString()) + ": [1-9]\\d* new lines, [1-9]\\d* pulls, \\d+ malformed");
    }

    @Test
    void protectedReferencesSurviveARuleThatDeletesEverythingElse() throws IOException {
        Path work = E2eDirs.newWorkDir("protect");
        Path storage = work.resolve("storage");
        Image v1;
        Image v2;
        Index multi;
        Image old;
        try (RegistryServer server = RegistryServer.start(storage)) {
            ImageFactory images = new ImageFactory(new RegistryClient(server), 3L);
            v1 = images.dockerImage("prod/api", "v1");
            v2 = images.dockerImage("prod/api", "v2");
            multi = images.ociIndex("prod/api", "multi", 2);
            old = images.image("prod/api").docker().untagged().push();
        }
        Path policy = work.resolve("policy.yml");
        Files.writeString(policy, """
                policies:
                  - repositories: ["prod/**"]
                    delete-last-tag: true
                    rules:
                      - delete-all-tags: true
                      - delete-untagged-older-than: 0s
                """);
        Path protect = work.resolve("in-use.txt");
        Files.writeString(protect, String.join("\n",
                "registry.example.com:5000/prod/api:v1",
                "registry.example.com:5000/prod/api@" + multi.digest(),
                "docker.io/library/nginx:1.25",
                "ghcr.io/other/thing@sha256:" + "1".repeat(64),
                "not a reference at all!",
                ""));
        Gc.Result result = Gc.run(storage, "--policy", policy.toString(), "--protect", protect.toString(),
                "--registry-host", "registry.example.com:5000", "--min-age", "0");
        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.err()).contains("2 references of other registries ignored", "not an image reference");
        // the protected tag and its image stay; the index protected by digest stays with all its children (its tag goes)
        assertThat(StorageSnapshot.tags(storage, "prod/api")).isEqualTo(Map.of("v1", v1.manifest()));
        assertThat(StorageSnapshot.manifestRevisions(storage, "prod/api"))
                .contains(v1.manifest()).containsAll(multi.manifests())
                .doesNotContain(v2.manifest(), old.manifest());
        assertThat(StorageSnapshot.blobDigests(storage)).containsAll(v1.allBlobs()).containsAll(multi.allBlobs());
        String decisions = Gc.run("show", Long.toString(lastExecution()), "--decisions").out();
        assertThat(decisions).contains("protected: in use (--protect " + protect + ":2)");

        // a protect file that cannot be read: exit 2, nothing deleted
        Map<String, String> before = StorageSnapshot.of(storage);
        Gc.Result unreadable = Gc.run(storage, "--policy", policy.toString(), "--protect",
                work.resolve("missing.txt").toString(), "--min-age", "0");
        assertThat(unreadable.exitCode()).as(unreadable.toString()).isEqualTo(2);
        assertThat(unreadable.err()).contains("--protect", "missing.txt", "cannot be read");
        StorageSnapshot.assertUnchanged(before, storage);
    }

    @Test
    void garbageTruncatedGzipAndOtherProgramsLogsAreCountedNotFatal() throws IOException {
        Path work = E2eDirs.newWorkDir("bad-logs");
        Path storage = work.resolve("storage");
        Image kept;
        try (RegistryServer server = RegistryServer.startLogging(storage, work.resolve("registry"), "text")) {
            RegistryClient client = new RegistryClient(server);
            ImageFactory images = new ImageFactory(client, 4L);
            kept = images.dockerImage("svc", "live");
            images.dockerImage("svc", "idle");
            client.getManifest("svc", "live", kept.mediaType());
        }
        byte[] registryLog = Files.readAllBytes(work.resolve("registry/registry.log"));
        Path garbage = work.resolve("garbage.log");
        Files.write(garbage, ("\u0000\u0001binary junk\n{\"truncated\": \n" + new String(registryLog, StandardCharsets.UTF_8))
                .getBytes(StandardCharsets.UTF_8));
        Path nginx = work.resolve("nginx-error.log");
        Files.writeString(nginx, "2026/11/28 10:00:00 [error] 12#12: *1 connect() failed (111: Connection refused)\n"
                + "Nov 28 10:00:01 host sshd[99]: Accepted publickey for root\n");
        ByteArrayOutputStream gzipped = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(gzipped)) {
            gzip.write(registryLog);
        }
        Path truncated = work.resolve("registry.log.2.gz");
        byte[] whole = gzipped.toByteArray();
        Files.write(truncated, Arrays.copyOf(whole, whole.length * 2 / 3));
        RetentionIT.pushed(storage, "svc", "live", Duration.ofDays(40));
        RetentionIT.pushed(storage, "svc", "idle", Duration.ofDays(40));

        Gc.Result result = Gc.run(storage, "--keep-pulled-within", "30d", "--older-than", "30d", "--delete-tags", ".*",
                "--pull-log", garbage.toString(), "--pull-log", nginx.toString(), "--pull-log", truncated.toString(),
                "--min-age", "0");
        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.out())
                .containsPattern(java.util.regex.Pattern.quote(garbage.toString()) + ": \\d+ new lines, [1-9]\\d* pulls, [1-9]\\d* malformed")
                .contains(nginx + ": 2 new lines, 0 pulls, 2 malformed")
                .contains(truncated.toString());
        assertThat(result.out()).as("the truncated archive is reported")
                .contains(truncated + ": the gzip data ends early or is corrupt");
        // the pull the garbage file holds keeps its tag; the tag nobody pulled goes
        assertThat(StorageSnapshot.tags(storage, "svc")).isEqualTo(Map.of("live", kept.manifest()));
    }

    private static long lastExecution() {
        return Gc.jdbc().queryForObject("SELECT MAX(job_execution_id) FROM gc_execution", Long.class);
    }

}
