package io.registrygc.storage;

/** The outcome of reading a blob: its bytes, or why there are none. */
public sealed interface BlobContent {
    record Present(byte[] bytes) implements BlobContent {
    }

    record Missing(String path) implements BlobContent {
    }

    record Unreadable(String path, String message) implements BlobContent {
    }
}
