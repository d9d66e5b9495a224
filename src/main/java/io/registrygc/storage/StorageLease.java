package io.registrygc.storage;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A lock that lives with the storage, not with a database: two runs with two databases (two hosts, a cron job
 * and a Kubernetes job) on one storage must not collect it at the same time. The lease is the file
 * {@link RegistryPaths#lease()}, created exclusively ({@code O_CREAT|O_EXCL}, atomic on local file systems and on
 * NFS v3 and later), holding who took it. Its holder writes it again every {@code staleAfter / 5} (a heartbeat:
 * the file's modification time, set by the file system, on NFS by the server's clock). Another run takes it over
 * only when it is stale: not written for {@code staleAfter} (measured against the file system's own clock: a probe
 * file written beside it), or held by a process of this host that is gone (a run killed by {@code kill -9} is
 * resumed at once). A takeover renames the stale file away first (atomic: of two contenders one wins) and then
 * creates its own.
 *
 * <p>A holder that was paused longer than {@code staleAfter} may have lost the lease: {@link #verify()} reads it
 * back, and the sweep calls it before every chunk of deletions, so such a holder stops before deleting more.
 */
public final class StorageLease implements Lease {

    /** Who holds a lease: a unique id, the host, the process and when it took the lease. */
    public record Holder(String id, String host, long pid, Instant processStart, Instant acquired, String note) {

        String text() {
            Map<String, String> fields = new LinkedHashMap<>();
            fields.put("id", id);
            fields.put("host", host);
            fields.put("pid", Long.toString(pid));
            fields.put("process-start", processStart == null ? "" : processStart.toString());
            fields.put("acquired", acquired.toString());
            fields.put("note", note.replace('\n', ' '));
            StringBuilder out = new StringBuilder("# registry-gc storage lease: a run is collecting this storage\n");
            fields.forEach((k, v) -> out.append(k).append('=').append(v).append('\n'));
            return out.toString();
        }

        static Optional<Holder> parse(String text) {
            Map<String, String> fields = new LinkedHashMap<>();
            text.lines().filter(l -> !l.startsWith("#") && l.contains("="))
                    .forEach(l -> fields.put(l.substring(0, l.indexOf('=')), l.substring(l.indexOf('=') + 1)));
            try {
                String start = fields.getOrDefault("process-start", "");
                return Optional.of(new Holder(fields.get("id"), fields.getOrDefault("host", "?"),
                        Long.parseLong(fields.getOrDefault("pid", "-1")), start.isEmpty() ? null : Instant.parse(start),
                        Instant.parse(fields.get("acquired")), fields.getOrDefault("note", "")));
            } catch (RuntimeException unreadable) {
                return Optional.empty();
            }
        }

        /** This process, taking a lease now. */
        static Holder me(String note) {
            return new Holder(UUID.randomUUID().toString(), hostName(), ProcessHandle.current().pid(),
                    ProcessHandle.current().info().startInstant().orElse(null), Instant.now(), note);
        }

        public String describe() {
            return "host " + host + ", pid " + pid + (note.isEmpty() ? "" : " (" + note + ")") + ", since " + acquired;
        }
    }

    /** The lease is held by another, live run. */
    public static final class HeldException extends Exception {
        private final transient Holder holder;

        HeldException(Path lease, Holder holder, Duration sinceHeartbeat, Duration staleAfter) {
            this(lease.getParent().toString(), lease.toString(), holder, sinceHeartbeat, staleAfter);
        }

        HeldException(String storage, String lease, Holder holder, Duration sinceHeartbeat, Duration staleAfter) {
            super("storage " + storage + " is being collected by another registry-gc run: "
                    + (holder == null ? "an unreadable lease" : holder.describe()) + "; its lease " + lease
                    + " was renewed " + sinceHeartbeat.toSeconds() + "s ago and is taken over only after "
                    + staleAfter.toSeconds() + "s without renewal");
            this.holder = holder;
        }

        public Holder holder() {
            return holder;
        }
    }

    static final int ATTEMPTS = 5;

    private final Path file;
    private final Holder holder;
    private final byte[] content;
    private final ScheduledExecutorService heartbeat;
    private volatile String lost;

    private StorageLease(Path file, Holder holder, Duration staleAfter, Runnable onLost) {
        this.file = file;
        this.holder = holder;
        this.content = holder.text().getBytes(StandardCharsets.UTF_8);
        this.heartbeat = heartbeat(staleAfter, () -> renew(onLost));
    }

    /** The heartbeat of a lease: {@code renew} every {@code staleAfter / 5}, on a daemon thread of its own. */
    static ScheduledExecutorService heartbeat(Duration staleAfter, Runnable renew) {
        ScheduledExecutorService heartbeat = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "registry-gc-lease");
            thread.setDaemon(true);
            return thread;
        });
        long period = Math.max(staleAfter.toMillis() / 5, 10);
        heartbeat.scheduleWithFixedDelay(renew, period, period, TimeUnit.MILLISECONDS);
        return heartbeat;
    }

    /**
     * Takes the lease of a storage, taking over a stale one. {@code onLost} runs (on the heartbeat thread) when the
     * lease turns out to be someone else's.
     */
    public static StorageLease acquire(FileSystemDriver storage, Duration staleAfter, String note, Runnable onLost)
            throws HeldException, IOException {
        Path file = storage.file(RegistryPaths.LAYOUT.lease());
        Holder me = Holder.me(note);
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            try {
                Files.write(file, me.text().getBytes(StandardCharsets.UTF_8), StandardOpenOption.CREATE_NEW,
                        StandardOpenOption.WRITE);
                return new StorageLease(file, me, staleAfter, onLost);
            } catch (FileAlreadyExistsException taken) {
                takeOverIfStale(file, staleAfter);
            }
        }
        throw new IOException("could not take the storage lease " + file + " after " + ATTEMPTS + " attempts");
    }

    /** Renames a stale lease away (then the caller creates its own); HeldException when it is not stale. */
    private static void takeOverIfStale(Path file, Duration staleAfter) throws HeldException, IOException {
        Optional<Holder> current;
        Instant written;
        try {
            current = Holder.parse(Files.readString(file, StandardCharsets.UTF_8));
            written = Files.getLastModifiedTime(file).toInstant();
        } catch (NoSuchFileException released) {
            return;
        }
        Duration silent = Duration.between(written, fileSystemNow(file.getParent()));
        boolean stale = silent.compareTo(staleAfter) > 0 || current.map(StorageLease::holderIsGone).orElse(false);
        if (!stale) {
            throw new HeldException(file, current.orElse(null), silent.isNegative() ? Duration.ZERO : silent, staleAfter);
        }
        Path aside = file.resolveSibling(file.getFileName() + ".stale-" + UUID.randomUUID());
        try {
            Files.move(file, aside, StandardCopyOption.ATOMIC_MOVE);
        } catch (NoSuchFileException anotherTookIt) {
            return;
        }
        Optional<Holder> moved = Holder.parse(Files.readString(aside, StandardCharsets.UTF_8));
        if (!moved.map(Holder::id).equals(current.map(Holder::id))) {
            // another run took it over between our read and our rename: give its fresh lease back
            try {
                Files.move(aside, file, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException lostTheRace) {
                Files.deleteIfExists(aside);
            }
            throw new HeldException(file, moved.orElse(null), Duration.ZERO, staleAfter);
        }
        Files.deleteIfExists(aside);
    }

    /** A holder on this host whose process (same pid and start time) is not running any more. */
    static boolean holderIsGone(Holder holder) {
        if (!holder.host().equals(hostName())) {
            return false;
        }
        Optional<ProcessHandle> process = ProcessHandle.of(holder.pid());
        if (process.isEmpty() || !process.get().isAlive()) {
            return true;
        }
        Optional<Instant> started = process.get().info().startInstant();
        return holder.processStart() != null && started.isPresent()
                && Math.abs(Duration.between(started.get(), holder.processStart()).toMillis()) > 1000;
    }

    /**
     * The holder of a storage's lease as the storage says now (either store: read through the driver); empty when
     * there is none, or it cannot be parsed. For a process that works for the holder without holding it (a remote worker).
     */
    public static Optional<Holder> current(StorageDriver storage) throws IOException {
        try {
            return Holder.parse(new String(storage.read(RegistryPaths.LAYOUT.lease(), 64 * 1024), StandardCharsets.UTF_8));
        } catch (NoSuchFileException none) {
            return Optional.empty();
        }
    }

    /** The file system's clock (on NFS: the server's), read off a probe file written beside the lease. */
    private static Instant fileSystemNow(Path folder) throws IOException {
        Path probe = Files.createTempFile(folder, ".registry-gc-clock-", "");
        try {
            return Files.getLastModifiedTime(probe).toInstant();
        } finally {
            Files.deleteIfExists(probe);
        }
    }

    private void renew(Runnable onLost) {
        if (lost != null) {
            return;
        }
        try {
            verify();
            // the same bytes in place: the modification time moves on, and a reader never sees a torn file
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
                channel.write(ByteBuffer.wrap(content), 0);
            }
        } catch (LostException e) {
            onLost.run();
        } catch (IOException e) {
            // a missed heartbeat is not a lost lease; the next one tries again
        }
    }

    /** The lease is no longer ours. */
    public static final class LostException extends IllegalStateException {
        public LostException(String message) {
            super(message);
        }
    }

    /** Reads the lease back: throws LostException when it is no longer this run's (it went stale and was taken over). */
    @Override
    public void verify() {
        if (lost != null) {
            throw new LostException(lost);
        }
        Optional<Holder> current;
        try {
            current = Holder.parse(Files.readString(file, StandardCharsets.UTF_8));
        } catch (NoSuchFileException gone) {
            current = Optional.empty();
        } catch (IOException unreadable) {
            return; // cannot tell: the heartbeat will know more; deleting goes on only while the file says ours
        }
        if (current.isEmpty() || !current.get().id().equals(holder.id())) {
            lost = "lost the storage lease " + file + " (not renewed in time, e.g. the process was paused): it is now "
                    + current.map(Holder::describe).orElse("gone") + "; stopped before deleting more";
            throw new LostException(lost);
        }
    }

    @Override
    public Holder holder() {
        return holder;
    }

    /** Stops the heartbeat and removes the lease, if it is still ours. */
    @Override
    public void close() {
        heartbeat.shutdownNow();
        try {
            Optional<Holder> current = Holder.parse(Files.readString(file, StandardCharsets.UTF_8));
            if (current.isPresent() && current.get().id().equals(holder.id())) {
                Files.deleteIfExists(file);
            }
        } catch (IOException ignored) {
            // gone already, or unreadable: not ours to remove
        }
    }

    /** This host's name, as the leases and locks record their holders. */
    public static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            String env = System.getenv("HOSTNAME");
            return env == null || env.isBlank() ? "unknown" : env;
        }
    }
}
