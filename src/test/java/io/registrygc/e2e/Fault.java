package io.registrygc.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Makes a folder's entries impossible to remove, for a real I/O error: the immutable attribute as
 * root (who ignores permissions), read-only permissions otherwise.
 */
final class Fault {

    private Fault() {
    }

    static void freeze(Path folder) throws Exception {
        if (isRoot()) {
            exec("chattr", "+i", folder.toString());
        } else {
            Files.setPosixFilePermissions(folder, PosixFilePermissions.fromString("r-xr-xr-x"));
        }
    }

    static void release(Path folder) throws Exception {
        if (isRoot()) {
            exec("chattr", "-i", folder.toString());
        } else {
            Files.setPosixFilePermissions(folder, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    private static void exec(String... command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        if (process.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
        }
    }
}
