package io.registrygc.db;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.List;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.jdbc.datasource.DataSourceUtils;
import org.springframework.jdbc.support.SQLErrorCodeSQLExceptionTranslator;

/**
 * Writes rows with PostgreSQL's {@code COPY ... FROM STDIN} on the connection of the current transaction: several
 * times faster than batched inserts for the hundreds of thousands of rows a scan stores, and atomic with the chunk.
 * Values: null, strings, numbers, booleans and {@link OffsetDateTime}, written as CSV.
 */
public final class BulkCopy {

    private final DataSource dataSource;

    public BulkCopy(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** {@code columns}: the table's column list, in the order of each row's values. */
    public void copy(String table, String columns, List<Object[]> rows) {
        if (rows.isEmpty()) {
            return;
        }
        Csv csv = Csv.of(rows);
        String sql = "COPY " + table + " (" + columns + ") FROM STDIN (FORMAT csv)";
        Connection connection = DataSourceUtils.getConnection(dataSource);
        try {
            connection.unwrap(PGConnection.class).getCopyAPI()
                    .copyIn(sql, new ByteArrayInputStream(csv.bytes, 0, csv.length), 1 << 16);
        } catch (SQLException e) {
            throw new SQLErrorCodeSQLExceptionTranslator(dataSource).translate("COPY " + table, sql, e);
        } catch (IOException e) {
            throw new DataAccessResourceFailureException("COPY " + table + ": " + e.getMessage(), e);
        } finally {
            DataSourceUtils.releaseConnection(connection, dataSource);
        }
    }

    /**
     * Rows as PostgreSQL's CSV in UTF-8: an unquoted empty field is NULL, a quoted one a string (quotes doubled).
     * Encoded straight into bytes, a string's UTF-8 copied whole: the scan writes hundreds of thousands of rows.
     */
    static final class Csv {
        private byte[] bytes;
        private int length;

        private Csv(int capacity) {
            bytes = new byte[capacity];
        }

        static Csv of(List<Object[]> rows) {
            Csv csv = new Csv(rows.size() * 160);
            for (Object[] row : rows) {
                for (int i = 0; i < row.length; i++) {
                    if (i > 0) {
                        csv.put((byte) ',');
                    }
                    csv.value(row[i]);
                }
                csv.put((byte) '\n');
            }
            return csv;
        }

        String text() {
            return new String(bytes, 0, length, StandardCharsets.UTF_8);
        }

        private void value(Object value) {
            if (value == null) {
                return;
            }
            if (value instanceof Number || value instanceof Boolean) {
                byte[] ascii = value.toString().getBytes(StandardCharsets.US_ASCII);
                append(ascii, 0, ascii.length);
                return;
            }
            String text = value instanceof OffsetDateTime time ? time.toString() : value.toString();
            // whole arrays copied rather than a character at a time: the scan writes tens of megabytes of these, and
            // its JVM compiles with the client compiler only, which keeps every bounds check of a loop
            byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
            ensure(2 * utf8.length + 2);
            bytes[length++] = '"';
            int from = 0;
            for (int i = 0; i < utf8.length; i++) {
                // in UTF-8 the byte of '"' is never part of another character: doubled where it stands
                if (utf8[i] == '"') {
                    append(utf8, from, i + 1);
                    bytes[length++] = '"';
                    from = i + 1;
                }
            }
            append(utf8, from, utf8.length);
            bytes[length++] = '"';
        }

        /** {@code source[from, to)}. */
        private void append(byte[] source, int from, int to) {
            ensure(to - from);
            System.arraycopy(source, from, bytes, length, to - from);
            length += to - from;
        }

        private void put(byte b) {
            ensure(1);
            bytes[length++] = b;
        }

        private void ensure(int more) {
            if (length + more > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + more));
            }
        }
    }
}
