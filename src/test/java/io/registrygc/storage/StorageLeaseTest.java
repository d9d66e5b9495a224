package io.registrygc.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The storage's own lease: exclusive, renewed, taken over only when stale or when its holder is gone. */
class StorageLeaseTest {

    private static final Duration STALE = Duration.ofMinutes(5);

    @TempDir
    Path root;
    private FileSystemDriver paths;
    private Path leaseFile;

    @BeforeEach
    void storage() throws Exception {
        Files.createDirectories(root.resolve("docker/registry/v2/blobs"));
        paths = new FileSystemDriver(root);
        leaseFile = paths.file(RegistryPaths.LAYOUT.lease());
    }

    @Test
    void takenOnceAndRemovedOnClose() throws Exception {
        try (StorageLease lease = StorageLease.acquire(paths, STALE, "first", () -> { })) {
            assertThat(Files.readString(leaseFile)).contains("id=" + lease.holder().id(),
                    "pid=" + ProcessHandle.current().pid(), "note=first");
            assertThatThrownBy(() -> StorageLease.acquire(paths, STALE, "second", () -> { }))
                    .isInstanceOf(StorageLease.HeldException.class)
                    .hasMessageContaining("being collected by another registry-gc run")
                    .hasMessageContaining("pid " + ProcessHandle.current().pid() + " (first)");
            lease.verify();
        }
        assertThat(leaseFile).doesNotExist();
        StorageLease.acquire(paths, STALE, "again", () -> { }).close();
    }

    @Test
    void anotherHostsLeaseIsTakenOverOnlyOnceStale() throws Exception {
        writeLease("elsewhere.example", 4242, Instant.now());
        assertThatThrownBy(() -> StorageLease.acquire(paths, STALE, "me", () -> { }))
                .isInstanceOf(StorageLease.HeldException.class).hasMessageContaining("host elsewhere.example, pid 4242");
        // not renewed for less than the stale time: still held
        Files.setLastModifiedTime(leaseFile, FileTime.from(Instant.now().minus(STALE.minusSeconds(30))));
        assertThatThrownBy(() -> StorageLease.acquire(paths, STALE, "me", () -> { }))
                .isInstanceOf(StorageLease.HeldException.class);
        Files.setLastModifiedTime(leaseFile, FileTime.from(Instant.now().minus(STALE.plusSeconds(30))));
        try (StorageLease lease = StorageLease.acquire(paths, STALE, "me", () -> { })) {
            assertThat(Files.readString(leaseFile)).contains("id=" + lease.holder().id()).doesNotContain("elsewhere");
        }
        try (var left = Files.list(root)) {
            assertThat(left.map(p -> p.getFileName().toString())).containsExactly("docker");
        }
    }

    @Test
    void aLeaseOfAProcessOfThisHostThatIsGoneIsTakenOverAtOnce() throws Exception {
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        writeLease(StorageLease.hostName(), gone.pid(), Instant.now());
        try (StorageLease lease = StorageLease.acquire(paths, STALE, "me", () -> { })) {
            assertThat(lease.holder().pid()).isEqualTo(ProcessHandle.current().pid());
        }
    }

    @Test
    void aHolderWhoseLeaseWasTakenOverFindsOutAndLeavesTheNewLeaseAlone() throws Exception {
        AtomicBoolean lost = new AtomicBoolean();
        StorageLease paused = StorageLease.acquire(paths, Duration.ofMillis(200), "paused", () -> lost.set(true));
        writeLease("elsewhere.example", 7, Instant.now());
        assertThatThrownBy(paused::verify).isInstanceOf(StorageLease.LostException.class)
                .hasMessageContaining("lost the storage lease").hasMessageContaining("host elsewhere.example");
        paused.close();
        assertThat(Files.readString(leaseFile)).contains("host=elsewhere.example");
    }

    @Test
    void theHolderRenewsItsLease() throws Exception {
        try (StorageLease lease = StorageLease.acquire(paths, Duration.ofMillis(500), "busy", () -> { })) {
            Instant old = Instant.now().minus(Duration.ofHours(1));
            Files.setLastModifiedTime(leaseFile, FileTime.from(old));
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (Files.getLastModifiedTime(leaseFile).toInstant().isBefore(old.plusSeconds(60))
                    && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(Files.getLastModifiedTime(leaseFile).toInstant()).isAfter(old.plusSeconds(60));
            lease.verify();
        }
    }

    private void writeLease(String host, long pid, Instant acquired) throws Exception {
        Files.writeString(leaseFile, "id=" + java.util.UUID.randomUUID() + "\nhost=" + host + "\npid=" + pid
                + "\nprocess-start=\nacquired=" + acquired + "\nnote=test\n", StandardCharsets.UTF_8);
    }
}
