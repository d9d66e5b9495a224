package io.registrygc.storage;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Requests to an object store several at once: each waits tens of milliseconds for its answer, so listing many
 * folders, or deleting many items, one after the other spends the time waiting. On daemon threads that end after a
 * minute idle. With {@code inFlight} 1 (a filesystem) everything runs on the caller's thread: there a deletion
 * handed to another thread costs more than it waits (see {@code bench/RESULTS.md}).
 */
public final class Concurrently {

    /** One piece of work that may fail with an IOException. */
    @FunctionalInterface
    public interface Work<T, R> {
        R apply(T item) throws IOException;
    }

    /** One piece of work that may fail with an IOException and reports what it finds wrong to {@code problems}. */
    @FunctionalInterface
    public interface ReportingWork<T, R, P> {
        R apply(T item, Consumer<P> problems) throws IOException;
    }

    private static final ExecutorService THREADS = Executors.newCachedThreadPool(task -> {
        Thread thread = new Thread(task, "registry-gc-storage");
        thread.setDaemon(true);
        return thread;
    });

    private Concurrently() {
    }

    /**
     * {@code work} applied to every item, at most {@code inFlight} at once, the results in the items' order. An item
     * starts as soon as one in flight ends (a slow one holds back no other). After a failure no item starts; the
     * first failure in the items' order is thrown once the items in flight with it ended.
     */
    public static <T, R> List<R> map(List<? extends T> items, int inFlight, Work<T, R> work) throws IOException {
        List<R> results = new ArrayList<>(items.size());
        if (inFlight <= 1 || items.size() <= 1) {
            for (T item : items) {
                results.add(work.apply(item));
            }
            return results;
        }
        Semaphore free = new Semaphore(inFlight);
        AtomicBoolean failing = new AtomicBoolean();
        List<Future<R>> started = new ArrayList<>(items.size());
        try {
            for (T item : items) {
                free.acquire();
                if (failing.get()) {
                    break;
                }
                started.add(THREADS.submit(() -> {
                    try {
                        return work.apply(item);
                    } catch (IOException | RuntimeException | Error e) {
                        failing.set(true);
                        throw e;
                    } finally {
                        free.release();
                    }
                }));
            }
        } catch (InterruptedException e) {
            throw interrupted(e);
        }
        IOException failed = null;
        for (Future<R> result : started) {
            try {
                results.add(result.get());
            } catch (ExecutionException e) {
                failed = failed != null ? failed : e.getCause() instanceof IOException io ? io
                        : new IOException(e.getCause().getMessage(), e.getCause());
            } catch (InterruptedException e) {
                throw interrupted(e);
            }
        }
        if (failed != null) {
            throw failed;
        }
        return results;
    }

    private static IOException interrupted(InterruptedException e) {
        Thread.currentThread().interrupt();
        return new IOException("interrupted while waiting for the storage", e);
    }

    /**
     * {@link #map}, where each of at most {@code threads} threads takes a run of consecutive items: for work so short
     * (a cached {@code lstat}) that handing items out one by one would cost more than the work itself.
     */
    public static <T, R> List<R> mapInRuns(List<? extends T> items, int threads, Work<T, R> work) throws IOException {
        int length = Math.max(1, (items.size() + threads - 1) / Math.max(1, threads));
        List<List<? extends T>> runs = new ArrayList<>();
        for (int from = 0; from < items.size(); from += length) {
            runs.add(items.subList(from, Math.min(items.size(), from + length)));
        }
        List<R> results = new ArrayList<>(items.size());
        for (List<R> done : map(runs, threads, run -> {
            List<R> each = new ArrayList<>(run.size());
            for (T item : run) {
                each.add(work.apply(item));
            }
            return each;
        })) {
            results.addAll(done);
        }
        return results;
    }

    /**
     * {@link #mapInRuns} for work that reports problems: each item's problems reach {@code problems} on the caller's
     * thread, in the items' order, as if the items had been worked one after the other.
     */
    public static <T, R, P> List<R> mapInRuns(List<? extends T> items, int threads, Consumer<? super P> problems,
            ReportingWork<T, R, P> work) throws IOException {
        record Done<R, P>(R result, List<P> problems) {
        }
        List<Done<R, P>> done = mapInRuns(items, threads, item -> {
            List<P> own = new ArrayList<>(0);
            return new Done<>(work.apply(item, own::add), own);
        });
        List<R> results = new ArrayList<>(done.size());
        for (Done<R, P> each : done) {
            each.problems().forEach(problems);
            results.add(each.result());
        }
        return results;
    }
}
