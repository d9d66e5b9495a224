package io.registrygc.db;

import java.util.Collection;
import java.util.stream.Collectors;

/** SQL {@code IN} lists built from our enums, so the SQL and the Java vocabulary cannot drift apart. */
public final class SqlLists {

    private SqlLists() {
    }

    /** {@code ('A', 'B')} for the constants A and B; enum names are identifiers, so nothing needs escaping. */
    public static String of(Collection<? extends Enum<?>> values) {
        if (values.isEmpty()) {
            throw new IllegalArgumentException("an SQL IN list needs at least one value");
        }
        return values.stream().map(v -> "'" + v.name() + "'").collect(Collectors.joining(", ", "(", ")"));
    }
}
