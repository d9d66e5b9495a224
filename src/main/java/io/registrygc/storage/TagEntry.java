package io.registrygc.storage;

import java.time.Instant;
import java.util.List;

/**
 * A tag: {@code current} is empty when its link is missing or corrupt (then the tag is reported and
 * treated as pointing at an unknown manifest). {@code index} holds every digest the tag ever pointed at: on a
 * filesystem, named by its index's folders without a look inside each (a folder may have lost its link).
 */
public record TagEntry(String name, java.util.Optional<Digest> current, Instant modified, List<Digest> index) {
}
