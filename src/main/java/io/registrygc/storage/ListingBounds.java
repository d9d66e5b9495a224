package io.registrygc.storage;

import java.util.ArrayList;
import java.util.List;

/**
 * Which keys of one top-level folder a scan partition lists on an object store, so that partitions sharing a folder
 * ({@code org/app-1 ... org/app-9999}) each list their own part of it instead of all of it.
 *
 * <p>A partition wants the repositories after {@code after} up to {@code last} in walk order, which compares names
 * segment by segment. A listing comes in key order, which compares bytes, and there {@code '-'} and {@code '.'} sort
 * before {@code '/'}: {@code org/app-x/...} lists before {@code org/app/...} although {@code org/app} comes first in
 * walk order. So the bounds look at the name's second segment only, and name the shorter folders that sort the other
 * way. Keys are relative to the top-level folder ({@code app-1/_manifests/...}).
 * <ul>
 * <li>Start: every repository after {@code top/a} in walk order has keys that start with {@code a/}, or with
 * {@code a} and more of a longer name, or sort after {@code a}: the listing starts after {@code a}.</li>
 * <li>Stop, for {@code last = top/l/...}: every repository up to {@code last} has keys below {@code l + '0'}
 * ({@code '0'} follows {@code '/'}), but for those whose second segment is {@code l} cut just before a character that
 * sorts before {@code '/'} ({@code app} for {@code app-x}): their folders are {@linkplain #shorterFolders listed apart}
 * (a request each, most often for nothing). The folder's own repository ({@code _manifests/...}) has keys below
 * {@code '`'}; the listing stops at the first key at or after the larger of the two.</li>
 * </ul>
 * A key either sorts after the next partition's start or before this one's stop, so together the partitions still list
 * every key of the folder: what is not a repository (a folder with an invalid name, reported and holding the sweep
 * back) is seen by one of them. Range names are valid repository names (ASCII), as the scan's ranges always are.
 *
 * @param startAfter the key after which the listing starts; null: from the first
 * @param stopAt the first key the listing does not need; null: to the end
 * @param shorterFolders second-segment folders to list apart, whole
 */
record ListingBounds(String startAfter, String stopAt, List<String> shorterFolders) {

    static final ListingBounds WHOLE = new ListingBounds(null, null, List.of());

    /** Keys of the top-level folder's own repository ({@code _layers}, {@code _manifests}) sort below this. */
    private static final String AFTER_OWN_FILES = "`";

    /** The bounds in top-level folder {@code top} for the repositories after {@code after} up to {@code last} (null: open). */
    static ListingBounds of(String top, String after, String last) {
        String first = secondSegment(top, after);
        String end = secondSegment(top, last);
        if (end == null) {
            return new ListingBounds(first, null, List.of());
        }
        List<String> shorter = new ArrayList<>();
        for (int i = 1; i < end.length(); i++) {
            if (end.charAt(i) < '/') {
                shorter.add(end.substring(0, i));
            }
        }
        String stop = end + (char) ('/' + 1);
        return new ListingBounds(first, stop.compareTo(AFTER_OWN_FILES) > 0 ? stop : AFTER_OWN_FILES,
                List.copyOf(shorter));
    }

    /** Whether the listing has passed its stop: this key and every one after it are beyond the range. */
    boolean beyond(String relativeKey) {
        return stopAt != null && relativeKey.compareTo(stopAt) >= 0;
    }

    /** The second segment of {@code name} when its first is {@code top}, else null (no bound in that folder). */
    private static String secondSegment(String top, String name) {
        if (name == null) {
            return null;
        }
        String[] segments = name.split("/", 3);
        return segments.length >= 2 && segments[0].equals(top) ? segments[1] : null;
    }
}
