package io.registrygc.testsupport;

import io.registrygc.cli.RegistryGcCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.springframework.jdbc.BadSqlGrammarException;
import org.springframework.jdbc.core.JdbcTemplate;

/** Runs the registry-gc command line in this JVM against the test database. */
public final class Gc {

    public record Result(int exitCode, String out, String err) {
        public String all() {
            return out + err;
        }

        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- out\n" + out + "\n--- err\n" + err;
        }
    }

    private Gc() {
    }

    public static Result run(String... args) {
        TestDatabase.get();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = RegistryGcCommand.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Result(code, out.toString(), err.toString());
    }

    /** {@code run --storage-root ROOT ARGS...} */
    public static Result run(Path storageRoot, String... args) {
        List<String> all = new ArrayList<>(List.of("run", "--storage-root", storageRoot.toString()));
        all.addAll(List.of(args));
        return run(all.toArray(String[]::new));
    }

    public static JdbcTemplate jdbc() {
        return TestDatabase.get().jdbc();
    }

    /**
     * A count from the test database while a run in another process may still be creating its tables: zero until
     * they exist (a fresh database, where this test class ran first in its test JVM).
     */
    public static long countOnceTablesExist(String sql, Object... arguments) {
        try {
            Long count = jdbc().queryForObject(sql, Long.class, arguments);
            return count == null ? 0 : count;
        } catch (BadSqlGrammarException e) {
            return 0;
        }
    }

    /** The run (job instance) id of the newest run on a storage root. */
    public static long lastRunId(Path storageRoot) {
        return jdbc().queryForObject(
                "SELECT MAX(run_id) FROM gc_run WHERE storage_root = ?", Long.class, storageRoot.toAbsolutePath().normalize().toString());
    }
}
