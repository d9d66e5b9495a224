package io.registrygc.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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

    /** blobs/ab holding its main file, data, and a driver on the root. */
    private FileSystemDriver blobFolderWithData() throws IOException {
        Files.createDirectories(root.resolve("blobs/ab"));
        Files.writeString(root.resolve("blobs/ab/data"), "content");
        return new FileSystemDriver(root);
    }
}
