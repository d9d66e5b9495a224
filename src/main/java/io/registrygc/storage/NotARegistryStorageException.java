package io.registrygc.storage;

/** The given folder is not the root directory of a Distribution filesystem storage. */
public class NotARegistryStorageException extends Exception {
    public NotARegistryStorageException(String message) {
        super(message);
    }
}
