package io.registrygc.storage;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Predicate;

/**
 * A storage on a filesystem (the registry's {@code filesystem} driver), local or NFS. One {@code lstat} per question:
 * a scan asks hundreds of thousands of them. Symbolic links are never followed.
 */
public final class FileSystemDriver implements StorageDriver {

    private final Path root;

    /** {@code root}: the storage root (the registry's {@code rootdirectory}), as an absolute real path. */
    public FileSystemDriver(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    /** The file of a key; a key that would lead outside the root is refused. */
    public Path file(String key) {
        Path file = root.resolve(key).normalize();
        if (!file.startsWith(root)) {
            throw new IllegalArgumentException("not inside the storage root: " + key);
        }
        return file;
    }

    @Override
    public String location() {
        return root.toString();
    }

    @Override
    public String describe(String key) {
        return file(key).toString();
    }

    @Override
    public List<String> names(String folder) throws IOException {
        try (DirectoryStream<Path> children = Files.newDirectoryStream(file(folder))) {
            return sortedNames(children);
        } catch (NoSuchFileException | NotDirectoryException e) {
            return List.of();
        }
    }

    @Override
    public List<Entry> list(String folder) throws IOException {
        Path path = file(folder);
        try (DirectoryStream<Path> children = Files.newDirectoryStream(path)) {
            List<String> names = sortedNames(children);
            List<Entry> entries = new ArrayList<>(names.size());
            for (String name : names) {
                BasicFileAttributes attributes = lstatOrNull(children, path, name);
                if (attributes != null) {
                    entries.add(entry(name, attributes));
                }
            }
            return entries;
        } catch (NoSuchFileException | NotDirectoryException e) {
            return List.of();
        }
    }

    @Override
    public List<Branch> branches(String folder, List<String> names, String fileName) throws IOException {
        return branchesOf(folder, names, fileName);
    }

    /** One opening of the folder for its names and their attributes (an opening costs as much as dozens of stats). */
    @Override
    public List<Branch> branches(String folder, String fileName) throws IOException {
        return branchesOf(folder, null, fileName);
    }

    /** {@code names}: those asked for, or null for every name in the folder. */
    private List<Branch> branchesOf(String folder, List<String> names, String fileName) throws IOException {
        Path path = file(folder);
        try (DirectoryStream<Path> children = Files.newDirectoryStream(path)) {
            List<String> wanted = names == null ? sortedNames(children) : names;
            List<Branch> branches = new ArrayList<>(wanted.size());
            for (String name : wanted) {
                BasicFileAttributes attributes = lstatOrNull(children, path, name);
                if (attributes == null) {
                    continue; // deleted while we looked
                }
                BasicFileAttributes file = attributes.isDirectory() ? lstatOrNull(children, path, name + "/" + fileName) : null;
                branches.add(new Branch(name, entry(name, attributes), file == null ? null : entry(fileName, file)));
            }
            return branches;
        } catch (NoSuchFileException e) {
            return List.of(); // the folder itself is gone
        } catch (NotDirectoryException e) {
            if (names == null) {
                return List.of(); // as names() answers for a folder that is not one
            }
            throw e;
        }
    }

    private static List<String> sortedNames(DirectoryStream<Path> children) {
        List<String> names = new ArrayList<>();
        for (Path child : children) {
            names.add(child.getFileName().toString());
        }
        names.sort(null);
        return names;
    }

    @Override
    public void walk(String folder, String after, Predicate<Entry> each) throws IOException {
        Path start = file(folder);
        if (!Files.isDirectory(start, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        List<Entry> files = new ArrayList<>();
        Files.walkFileTree(start, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
                if (attributes.isRegularFile()) {
                    files.add(entry(start.relativize(file).toString().replace(file.getFileSystem().getSeparator(), "/"),
                            attributes));
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                return goneMeanwhile(e);
            }
        });
        files.sort(Comparator.comparing(Entry::name));
        for (Entry file : files) {
            if ((after == null || file.name().compareTo(after) > 0) && !each.test(file)) {
                return;
            }
        }
    }

    @Override
    public Optional<Entry> stat(String key) throws IOException {
        Path path = file(key);
        BasicFileAttributes attributes = lstatOrNull(path);
        return attributes == null ? Optional.empty() : Optional.of(entry(path.getFileName().toString(), attributes));
    }

    @Override
    public boolean isFolder(String key) throws IOException {
        BasicFileAttributes attributes = lstatOrNull(file(key));
        return attributes != null && attributes.isDirectory();
    }

    @Override
    public byte[] read(String key, int limit) throws IOException {
        try (InputStream in = Files.newInputStream(file(key))) {
            return in.readNBytes(limit + 1);
        }
    }

    @Override
    public void write(String key, byte[] content) throws IOException {
        Path target = file(key);
        Files.createDirectories(target.getParent());
        Path written = target.resolveSibling(target.getFileName() + "." + UUID.randomUUID() + ".tmp");
        Files.write(written, content);
        Files.move(written, target, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * The common case in two system calls (remove the main file, then the folder) instead of a walk: a sweep removes
     * hundreds of thousands of these. A folder that holds more falls back to the walk.
     */
    @Override
    public Removal deleteFolder(String folder, String mainFile) throws IOException {
        Path path = file(folder);
        BasicFileAttributes attributes = lstatOrNull(path);
        if (attributes == null || !attributes.isDirectory()) {
            return Removal.NOTHING; // gone, or a symbolic link: never followed, never removed
        }
        boolean mainRemoved = false;
        try {
            mainRemoved = mainFile != null && unlink(path.resolve(mainFile));
            Files.delete(path);
        } catch (NoSuchFileException e) {
            // removed meanwhile (an interrupted execution, or the registry): nothing left to do
        } catch (DirectoryNotEmptyException e) {
            deleteTree(path);
        }
        return mainRemoved ? Removal.FOLDER_AND_MAIN_FILE : Removal.FOLDER;
    }

    @Override
    public void deleteEmptyFolders(String folder, String stop) throws IOException {
        Path path = file(folder);
        Path last = file(stop);
        while (path.startsWith(last) && !path.equals(last) && isEmptyDirectory(path)) {
            Files.deleteIfExists(path);
            path = path.getParent();
        }
    }

    @Override
    public boolean hasFolderTimes() {
        return true;
    }

    @Override
    public boolean hasSymbolicLinks() {
        return true;
    }

    @Override
    public boolean cheapReads() {
        return true;
    }

    private static void deleteTree(Path target) throws IOException {
        Files.walkFileTree(target, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                Files.deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                return goneMeanwhile(e);
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                if (e != null && !(e instanceof NoSuchFileException)) {
                    throw e;
                }
                Files.deleteIfExists(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /** A file a walk met that is gone by the time it looks: removed meanwhile, nothing to do; anything else fails. */
    private static FileVisitResult goneMeanwhile(IOException e) throws IOException {
        if (e instanceof NoSuchFileException) {
            return FileVisitResult.CONTINUE;
        }
        throw e;
    }

    /**
     * Removes a file in one system call where {@link Files#deleteIfExists} takes two (it looks at the file before it
     * removes it); a file it cannot remove is left to {@link Files#deleteIfExists}, which says why.
     */
    private static boolean unlink(Path file) throws IOException {
        return file.toFile().delete() || Files.deleteIfExists(file);
    }

    private static boolean isEmptyDirectory(Path folder) throws IOException {
        BasicFileAttributes attributes = lstatOrNull(folder);
        if (attributes == null || !attributes.isDirectory()) {
            return false;
        }
        try (DirectoryStream<Path> children = Files.newDirectoryStream(folder)) {
            return !children.iterator().hasNext();
        }
    }

    private static Entry entry(String name, BasicFileAttributes attributes) {
        Kind kind = attributes.isSymbolicLink() ? Kind.SYMLINK : attributes.isDirectory() ? Kind.FOLDER
                : attributes.isRegularFile() ? Kind.FILE : Kind.OTHER;
        return new Entry(name, kind, attributes.size(), attributes.lastModifiedTime().toInstant());
    }

    /**
     * The attributes of {@code relative} itself inside a folder that is open (a symbolic link is not followed), or null
     * when there is none. Where the folder is a {@link SecureDirectoryStream} (Linux) this is one {@code fstatat}
     * relative to it, so the kernel does not walk the folder's dozen path components again for each of its hundreds of
     * entries (that walk was three quarters of a scan's {@code lstat} time).
     */
    private static BasicFileAttributes lstatOrNull(DirectoryStream<Path> open, Path folder, String relative)
            throws IOException {
        if (!(open instanceof SecureDirectoryStream<Path> secure)) {
            return lstatOrNull(folder.resolve(relative));
        }
        try {
            return secure.getFileAttributeView(folder.getFileSystem().getPath(relative), BasicFileAttributeView.class,
                    LinkOption.NOFOLLOW_LINKS).readAttributes();
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /** The attributes of the file itself (a symbolic link is not followed), or null when there is none. */
    private static BasicFileAttributes lstatOrNull(Path path) throws IOException {
        try {
            return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        }
    }
}
