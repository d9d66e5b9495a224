package io.registrygc.pulls;

import io.registrygc.storage.LinkEntry;
import io.registrygc.storage.StorageReader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads what is new in one of the registry's log files into the pull history. A pull by digest names its manifest; a
 * pull by tag is resolved through the storage: to the manifest the tag's index says it pointed at then (the newest
 * index entry written at or before the pull), else to what it points at now. A pull of a tag or repository that does
 * not exist any more is counted as unresolved.
 */
public final class PullLogIngest {

    /** What one file gave: the reader's result, and how many pulls named a tag or repository not found. */
    public record FileRead(Path file, ReadResult result, long unresolved) {
    }

    private static final int BATCH = 10_000;

    private final PullLogReader reader;
    private final StorageReader storage;
    private final PullHistory history;
    private final String storageRoot;
    private final Map<String, List<LinkEntry>> tagHistories = new HashMap<>();

    public PullLogIngest(PullLogReader reader, StorageReader storage, PullHistory history, String storageRoot) {
        this.reader = reader;
        this.storage = storage;
        this.history = history;
        this.storageRoot = storageRoot;
    }

    public FileRead read(Path file) throws IOException {
        Optional<LogPosition> previous = PullLogReader.findPrevious(file, history.positions(storageRoot));
        Map<String, PullHistory.Recorded> latest = new HashMap<>();
        long[] unresolved = {0};
        ReadResult result = reader.read(file, previous, at -> {
            Optional<String> digest = resolve(at.pull());
            if (digest.isEmpty()) {
                unresolved[0]++;
                return;
            }
            PullHistory.Recorded recorded = new PullHistory.Recorded(at.pull().repository(), digest.get(),
                    at.pull().time(), at.source());
            latest.merge(recorded.repository() + "@" + recorded.digest(), recorded,
                    (a, b) -> b.time().isAfter(a.time()) ? b : a);
            if (latest.size() >= BATCH) {
                flush(latest);
            }
        });
        flush(latest);
        history.savePosition(storageRoot, result.position());
        return new FileRead(file, result, unresolved[0]);
    }

    private void flush(Map<String, PullHistory.Recorded> latest) {
        history.record(storageRoot, new ArrayList<>(latest.values()));
        latest.clear();
    }

    private Optional<String> resolve(Pull pull) {
        if (pull.isDigest()) {
            return Optional.of(pull.reference());
        }
        List<LinkEntry> tagHistory = tagHistories.computeIfAbsent(pull.repository() + ":" + pull.reference(),
                key -> storage.tagHistory(pull.repository(), pull.reference(), problem -> { }));
        if (tagHistory.isEmpty()) {
            return Optional.empty();
        }
        // newest first: the first entry written at or before the pull is what the tag pointed at then
        return Optional.of(tagHistory.stream().filter(e -> !e.modified().isAfter(pull.time())).findFirst()
                .orElse(tagHistory.get(0)).digest().toString());
    }
}
