package dev.tempfail.testsupport;

import dev.tempfail.queue.Database;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Queries for tests that look at what the relay stored: the statement with its arguments bound
 * in order, the result as plain values (JDBC's getObject, so SQL NULL is null), H2 or PostgreSQL.
 */
public final class Sql {
    private Sql() {}

    /** Every row, each as the list of its columns' values. */
    public static List<List<Object>> rows(Database db, String sql, Object... args) throws SQLException {
        try (Connection c = db.connection(); PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) s.setObject(i + 1, args[i]);
            try (ResultSet r = s.executeQuery()) {
                List<List<Object>> rows = new ArrayList<>();
                while (r.next()) {
                    Object[] row = new Object[r.getMetaData().getColumnCount()];
                    for (int i = 0; i < row.length; i++) row[i] = r.getObject(i + 1);
                    rows.add(Arrays.asList(row));
                }
                return rows;
            }
        }
    }

    /** The first row, or null when there is none. */
    public static List<Object> row(Database db, String sql, Object... args) throws SQLException {
        List<List<Object>> rows = rows(db, sql, args);
        return rows.isEmpty() ? null : rows.get(0);
    }

    /** The first column of the first row: null when there is no row, or the value is NULL. */
    public static Object value(Database db, String sql, Object... args) throws SQLException {
        List<Object> row = row(db, sql, args);
        return row == null ? null : row.get(0);
    }

    /** {@link #value} of a number (a count, an epoch-millisecond time) as a long, or null. */
    public static Long number(Database db, String sql, Object... args) throws SQLException {
        Object v = value(db, sql, args);
        return v == null ? null : ((Number) v).longValue();
    }

    /** A number that must be there, such as a COUNT(*). */
    public static long count(Database db, String sql, Object... args) throws SQLException {
        Long n = number(db, sql, args);
        if (n == null) throw new IllegalStateException("no value from " + sql);
        return n;
    }
}
