package io.registrygc.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileSystemDriverTest {

    @TempDir
    Path root;

    @Test
    void aFolderWithItsMainFileGoesWholeAndSaysTheFileWentWithIt() throws IOException {
        FileSystemDriver driver = blobFolderWithData();

        assertThat(driver.deleteFolder("blobs/ab", "data")).isEqualTo(StorageDriver.Removal.FOLDER_AND_MAIN_FILE);
        assertThat(root.resolve("blobs/ab")).doesNotExist();
        assertThat(driver.deleteFolder("blobs/ab", "data")).as("gone already").isEqualTo(StorageDriver.Removal.NOTHING);
    }

    @Test
    void aFolderWithoutItsMainFileGoesAndSaysSo() throws IOException {
        Files.createDirectories(root.resolve("blobs/ab"));
        FileSystemDriver driver = new FileSystemDriver(root);

        assertThat(driver.deleteFolder("blobs/ab", "data")).isEqualTo(StorageDriver.Removal.FOLDER);
        assertThat(root.resolve("blobs/ab")).doesNotExist();
    }

    @Test
    void aFolderHoldingMoreThanItsMainFileGoesWithAllItHolds() throws IOException {
        FileSystemDriver driver = blobFolderWithData();
        Files.createDirectories(root.resolve("blobs/ab/nested"));
        Files.writeString(root.resolve("blobs/ab/nested/startedat"), "then");

        assertThat(driver.deleteFolder("blobs/ab", "data")).isEqualTo(StorageDriver.Removal.FOLDER_AND_MAIN_FILE);
        assertThat(root.resolve("blobs/ab")).doesNotExist();
        assertThat(root.resolve("blobs")).isDirectory();
    }

    @Test
    void aMainFileThatIsAFolderIsRemovedOnlyWhenEmptyAndTheRestIsWalked() throws IOException {
        Files.createDirectories(root.resolve("blobs/ab/data/inside"));
        FileSystemDriver driver = new FileSystemDriver(root);

        assertThat(driver.deleteFolder("blobs/ab", "data")).isEqualTo(StorageDriver.Removal.FOLDER);
        assertThat(root.resolve("blobs/ab")).doesNotExist();
    }

    @Test
    void aFolderThatIsASymbolicLinkIsNeitherFollowedNorRemoved() throws IOException {
        Path elsewhere = Files.createDirectories(root.resolve("elsewhere"));
        Files.writeString(elsewhere.resolve("data"), "not ours");
        Files.createDirectories(root.resolve("blobs"));
        Files.createSymbolicLink(root.resolve("blobs/ab"), elsewhere);
        FileSystemDriver driver = new FileSystemDriver(root);

        assertThat(driver.deleteFolder("blobs/ab", "data")).isEqualTo(StorageDriver.Removal.NOTHING);
        assertThat(root.resolve("blobs/ab")).isSymbolicLink();
        assertThat(elsewhere.resolve("data")).hasContent("not ours");
    }

    @Test
    void branchesReadInOneOpeningAnswerAsBranchesOfTheNamesAndNeverFollowALink() throws IOException {
        Path links = Files.createDirectories(root.resolve("_layers/sha256"));
        Files.createDirectories(links.resolve("aa"));
        Files.writeString(links.resolve("aa/link"), "sha256:aa");
        Files.createDirectories(links.resolve("bb")); // a link folder without its link
        Files.writeString(links.resolve("cc"), "a file where a folder belongs");
        Path elsewhere = Files.createDirectories(root.resolve("elsewhere"));
        Files.writeString(elsewhere.resolve("link"), "not ours");
        Files.createSymbolicLink(links.resolve("dd"), elsewhere);
        Files.createDirectories(links.resolve("ee/link")); // a folder where the link file belongs
        FileSystemDriver driver = new FileSystemDriver(root);

        List<StorageDriver.Branch> branches = driver.branches("_layers/sha256", "link");
        assertThat(branches).isEqualTo(driver.branches("_layers/sha256", driver.names("_layers/sha256"), "link"));
        assertThat(branches).extracting(StorageDriver.Branch::name).containsExactly("aa", "bb", "cc", "dd", "ee");
        assertThat(branches.get(0).file().size()).isEqualTo(9);
        assertThat(branches.get(0).file().isFile()).isTrue();
        assertThat(branches.get(1).file()).isNull();
        assertThat(branches.get(2).folder().isFile()).isTrue();
        assertThat(branches.get(2).file()).isNull();
        assertThat(branches.get(3).folder().kind()).isEqualTo(StorageDriver.Kind.SYMLINK);
        assertThat(branches.get(3).file()).as("a symbolic link is not followed to its file").isNull();
        assertThat(branches.get(4).file().isFolder()).isTrue();
        assertThat(driver.branches("_layers/sha256", List.of("bb", "gone", "aa"), "link"))
                .extracting(StorageDriver.Branch::name).containsExactly("bb", "aa");
        assertThat(driver.branches("_layers/missing", "link")).isEmpty();
        assertThat(driver.list("_layers/sha256")).extracting(StorageDriver.Entry::kind).containsExactly(
                StorageDriver.Kind.FOLDER, StorageDriver.Kind.FOLDER, StorageDriver.Kind.FILE, StorageDriver.Kind.SYMLINK,
                StorageDriver.Kind.FOLDER);
    }

    /** blobs/ab holding its main file, data, and a driver on the root. */
    private FileSystemDriver blobFolderWithData() throws IOException {
        Files.createDirectories(root.resolve("blobs/ab"));
        Files.writeString(root.resolve("blobs/ab/data"), "content");
        return new FileSystemDriver(root);
    }
}
