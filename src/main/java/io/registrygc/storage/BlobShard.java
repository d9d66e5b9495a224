package io.registrygc.storage;

/** One {@code blobs/<algorithm>/<xx>} folder: the unit the blob inventory is scanned (and partitioned) by. */
public record BlobShard(String algorithm, String prefix) {
    public String key() {
        return algorithm + "/" + prefix;
    }
}
