package io.registrygc.db;

import java.io.IOException;
import java.io.StringReader;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.OffsetDateTime;
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
        StringBuilder csv = new StringBuilder(rows.size() * 128);
        for (Object[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                if (i > 0) {
                    csv.append(',');
                }
                appendValue(csv, row[i]);
            }
            csv.append('\n');
        }
        String sql = "COPY " + table + " (" + columns + ") FROM STDIN (FORMAT csv)";
        Connection connection = DataSourceUtils.getConnection(dataSource);
        try {
            connection.unwrap(PGConnection.class).getCopyAPI().copyIn(sql, new StringReader(csv.toString()));
        } catch (SQLException e) {
            throw new SQLErrorCodeSQLExceptionTranslator(dataSource).translate("COPY " + table, sql, e);
        } catch (IOException e) {
            throw new DataAccessResourceFailureException("COPY " + table + ": " + e.getMessage(), e);
        } finally {
            DataSourceUtils.releaseConnection(connection, dataSource);
        }
    }

    /** CSV as PostgreSQL reads it: an unquoted empty field is NULL, a quoted one a string (quotes doubled). */
    static void appendValue(StringBuilder csv, Object value) {
        if (value == null) {
            return;
        }
        if (value instanceof Number || value instanceof Boolean) {
            csv.append(value);
            return;
        }
        String text = value instanceof OffsetDateTime time ? time.toString() : value.toString();
        csv.append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '"') {
                csv.append('"');
            }
            csv.append(c);
        }
        csv.append('"');
    }
}
