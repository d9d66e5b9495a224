package io.registrygc.e2e.support;

import io.registrygc.storage.Digest;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Byte-for-byte pictures of a registry storage tree, for "nothing changed" assertions, and readers of its
 * layout ({@code <root>/docker/registry/v2/{blobs,repositories}}).
 */
public final class StorageSnapshot {

    /** Value recorded for a directory. */
    public static final String DIRECTORY = "<dir>";
    /** Prefix of the value recorded for a symbolic link (followed by its target). */
    public static final String SYMLINK = "<symlink>";

    private StorageSnapshot() {
    }

    /** Copies a storage tree, file times included (the tests set push and write times on links). */
    public static void copyTree(Path from, Path to) {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path source : (Iterable<Path>) walk::iterator) {
                Path target = to.resolve(from.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code <root>/docker/registry/v2}. */
    public static Path v2(Path storageRoot) {
        return storageRoot.resolve("docker").resolve("registry").resolve("v2");
    }

    /**
     * Every entry below {@code storageRoot} (the root itself excluded), keyed by path relative to it with
     * {@code /} separators, sorted: files map to {@code sha256:<hex>} of their content, directories to
     * {@link #DIRECTORY}, symlinks to {@link #SYMLINK} + target (not followed). Empty when the root does not exist.
     */
    public static Map<String, String> of(Path storageRoot) {
        Map<String, String> out = new TreeMap<>();
        if (!Files.exists(storageRoot, LinkOption.NOFOLLOW_LINKS)) {
            return out;
        }
        try (Stream<Path> walk = Files.walk(storageRoot)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                if (p.equals(storageRoot)) {
                    continue;
                }
                String rel = relative(storageRoot, p);
                if (Files.isSymbolicLink(p)) {
                    out.put(rel, SYMLINK + Files.readSymbolicLink(p));
                } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    out.put(rel, DIRECTORY);
                } else {
                    out.put(rel, sha256(p).toString());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** Human-readable differences between two snapshots; empty string when equal. */
    public static String diff(Map<String, String> before, Map<String, String> after) {
        StringBuilder sb = new StringBuilder();
        Set<String> keys = new TreeSet<>(before.keySet());
        keys.addAll(after.keySet());
        int shown = 0;
        int total = 0;
        for (String k : keys) {
            String a = before.get(k);
            String b = after.get(k);
            if (java.util.Objects.equals(a, b)) {
                continue;
            }
            total++;
            if (shown++ < 200) {
                if (a == null) {
                    sb.append("+ ").append(k).append(" ").append(b).append('\n');
                } else if (b == null) {
                    sb.append("- ").append(k).append(" ").append(a).append('\n');
                } else {
                    sb.append("~ ").append(k).append(" ").append(a).append(" -> ").append(b).append('\n');
                }
            }
        }
        if (total > shown) {
            sb.append("... and ").append(total - shown).append(" more\n");
        }
        return sb.toString();
    }

    /** Throws AssertionError listing the differences unless the tree under {@code storageRoot} equals {@code before}. */
    public static void assertUnchanged(Map<String, String> before, Path storageRoot) {
        String d = diff(before, of(storageRoot));
        if (!d.isEmpty()) {
            throw new AssertionError("storage tree " + storageRoot + " changed:\n" + d);
        }
    }

    /** Digests that have {@code blobs/<alg>/<xx>/<hex>/data}. */
    public static Set<Digest> blobDigests(Path storageRoot) {
        Set<Digest> out = new TreeSet<>();
        Path blobs = v2(storageRoot).resolve("blobs");
        if (!Files.isDirectory(blobs)) {
            return out;
        }
        try (Stream<Path> algs = Files.list(blobs)) {
            for (Path alg : (Iterable<Path>) algs::iterator) {
                if (!Files.isDirectory(alg)) {
                    continue;
                }
                try (Stream<Path> prefixes = Files.list(alg)) {
                    for (Path prefix : (Iterable<Path>) prefixes::iterator) {
                        if (!Files.isDirectory(prefix)) {
                            continue;
                        }
                        try (Stream<Path> hexes = Files.list(prefix)) {
                            for (Path hex : (Iterable<Path>) hexes::iterator) {
                                if (Files.isRegularFile(hex.resolve("data"))) {
                                    Digest.tryParse(alg.getFileName() + ":" + hex.getFileName()).ifPresent(out::add);
                                }
                            }
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** Repository names (with slashes) that have a {@code _manifests}, {@code _layers} or {@code _uploads} folder. */
    public static Set<String> repositories(Path storageRoot) {
        Set<String> out = new TreeSet<>();
        Path repos = v2(storageRoot).resolve("repositories");
        if (!Files.isDirectory(repos)) {
            return out;
        }
        try (Stream<Path> walk = Files.walk(repos)) {
            walk.filter(Files::isDirectory)
                    .filter(p -> Set.of("_manifests", "_layers", "_uploads").contains(p.getFileName().toString()))
                    .map(p -> relative(repos, p.getParent()))
                    .forEach(out::add);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** Digests with a {@code _manifests/revisions/<alg>/<hex>/link} in {@code repo}. */
    public static Set<Digest> manifestRevisions(Path storageRoot, String repo) {
        return links(repoDir(storageRoot, repo).resolve("_manifests").resolve("revisions"));
    }

    /** Digests with a {@code _layers/<alg>/<hex>/link} in {@code repo}. */
    public static Set<Digest> layerLinks(Path storageRoot, String repo) {
        return links(repoDir(storageRoot, repo).resolve("_layers"));
    }

    /** Tag name to the digest in {@code _manifests/tags/<tag>/current/link}, for {@code repo}. */
    public static Map<String, Digest> tags(Path storageRoot, String repo) {
        Map<String, Digest> out = new TreeMap<>();
        Path tags = repoDir(storageRoot, repo).resolve("_manifests").resolve("tags");
        if (!Files.isDirectory(tags)) {
            return out;
        }
        try (Stream<Path> list = Files.list(tags)) {
            for (Path t : (Iterable<Path>) list::iterator) {
                readLink(t.resolve("current").resolve("link")).ifPresent(d -> out.put(t.getFileName().toString(), d));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** {@code <root>/docker/registry/v2/blobs/<alg>/<xx>/<hex>/data}. */
    /** The size of every blob's data file, by digest. */
    public static Map<Digest, Long> blobSizes(Path storageRoot) throws IOException {
        Map<Digest, Long> sizes = new java.util.HashMap<>();
        for (Digest digest : blobDigests(storageRoot)) {
            sizes.put(digest, Files.size(blobData(storageRoot, digest)));
        }
        return sizes;
    }

    public static Path blobData(Path storageRoot, Digest digest) {
        return v2(storageRoot).resolve("blobs").resolve(digest.algorithm()).resolve(digest.hex().substring(0, 2))
                .resolve(digest.hex()).resolve("data");
    }

    private static Path repoDir(Path storageRoot, String repo) {
        Path p = v2(storageRoot).resolve("repositories");
        for (String part : repo.split("/")) {
            p = p.resolve(part);
        }
        return p;
    }

    private static Set<Digest> links(Path base) {
        Set<Digest> out = new TreeSet<>();
        if (!Files.isDirectory(base)) {
            return out;
        }
        try (Stream<Path> algs = Files.list(base)) {
            for (Path alg : (Iterable<Path>) algs::iterator) {
                if (!Files.isDirectory(alg) || alg.getFileName().toString().startsWith("_")) {
                    continue;
                }
                try (Stream<Path> hexes = Files.list(alg)) {
                    for (Path hex : (Iterable<Path>) hexes::iterator) {
                        if (Files.isRegularFile(hex.resolve("link"))) {
                            Digest.tryParse(alg.getFileName() + ":" + hex.getFileName()).ifPresent(out::add);
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    private static Optional<Digest> readLink(Path link) {
        try {
            return Files.isRegularFile(link) ? Digest.tryParse(Files.readString(link).trim()) : Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String relative(Path root, Path p) {
        return root.relativize(p).toString().replace(p.getFileSystem().getSeparator(), "/");
    }

    private static Digest sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[64 * 1024];
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
            return new Digest("sha256", HexFormat.of().formatHex(md.digest()));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
