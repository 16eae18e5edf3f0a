package dev.tempfail.queue;

import dev.tempfail.config.QueueConfig;
import dev.tempfail.testsupport.PostgresDatabase;
import dev.tempfail.testsupport.PostgresServer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The two backends side by side: one migration set gives both the same schema; PostgreSQL commits wait for the disk. */
@Tag("postgresql")
class DatabaseBackendsTest {
    @RegisterExtension static final PostgresDatabase pg = new PostgresDatabase();
    @TempDir Path dir;

    @Test
    void theFullMigrationSetGivesBothBackendsTheSameSchema() throws Exception {
        Map<String, List<String>> h2;
        Map<String, List<String>> postgresql;
        List<String> h2Versions;
        List<String> pgVersions;
        try (Database db = Database.open(QueueConfig.h2(dir.resolve("h2"), false, "node-a"), 2)) {
            assertEquals(Database.Backend.H2, db.backend());
            h2 = schema(db, "PUBLIC");
            h2Versions = versions(db, "\"flyway_schema_history\"");
        }
        try (Database db = Database.open(pg.queue(dir.resolve("pg")), 2)) {
            assertEquals(Database.Backend.POSTGRESQL, db.backend());
            postgresql = schema(db, "public");
            pgVersions = versions(db, "flyway_schema_history");
        }
        assertFalse(h2Versions.isEmpty());
        assertEquals(h2Versions, pgVersions, "the same migrations, all applied");
        assertTrue(h2.containsKey("recipient"), h2.keySet().toString());
        assertEquals(h2, postgresql, "tables and their columns (name, nullable)");
    }

    @Test
    void everyConnectionCommitsSynchronouslyWhateverTheDatabaseSays() throws Exception {
        PostgresServer.execute(pg.url(), "ALTER DATABASE " + database(pg.url()) + " SET synchronous_commit = off");
        try (Database db = Database.open(pg.queue(dir), 4)) {
            List<Connection> held = new ArrayList<>();
            try {
                for (int i = 0; i < 4; i++) {
                    Connection c = db.connection();
                    held.add(c);
                    assertEquals("on", setting(c, "synchronous_commit"), "connection " + i);
                }
            } finally {
                for (Connection c : held) c.close();
            }
        }
        // a stronger setting (waiting for a standby too) is left as the operator chose it
        PostgresServer.execute(pg.url(), "ALTER DATABASE " + database(pg.url()) + " SET synchronous_commit = remote_apply");
        try (Database db = Database.open(pg.queue(dir), 1); Connection c = db.connection()) {
            assertEquals("remote_apply", setting(c, "synchronous_commit"));
        } finally {
            PostgresServer.execute(pg.url(), "ALTER DATABASE " + database(pg.url()) + " RESET synchronous_commit");
        }
    }

    private static String database(String url) {
        return url.replaceFirst("^jdbc:postgresql://[^/]+/", "").replaceFirst("\\?.*", "");
    }

    private static String setting(Connection c, String name) throws SQLException {
        try (ResultSet r = c.createStatement().executeQuery("SELECT current_setting('" + name + "')")) {
            r.next();
            return r.getString(1);
        }
    }

    /** Table name → "column nullable|not null" in column order, without Flyway's own table. */
    private static Map<String, List<String>> schema(Database db, String schema) throws SQLException {
        Map<String, List<String>> out = new TreeMap<>();
        try (Connection c = db.connection()) {
            DatabaseMetaData meta = c.getMetaData();
            try (ResultSet t = meta.getTables(null, schema, "%", new String[] {"TABLE"})) {
                while (t.next()) {
                    String table = t.getString("TABLE_NAME");
                    if (table.equalsIgnoreCase("flyway_schema_history")) continue;
                    List<String> columns = new ArrayList<>();
                    try (ResultSet col = meta.getColumns(null, schema, table, "%")) {
                        while (col.next()) {
                            columns.add(col.getString("COLUMN_NAME").toLowerCase(Locale.ROOT)
                                    + (col.getInt("NULLABLE") == DatabaseMetaData.columnNoNulls ? " not null" : " nullable"));
                        }
                    }
                    out.put(table.toLowerCase(Locale.ROOT), columns);
                }
            }
        }
        return out;
    }

    private static List<String> versions(Database db, String historyTable) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = db.connection(); ResultSet r = c.createStatement().executeQuery(
                "SELECT \"version\", \"success\" FROM " + historyTable + " WHERE \"version\" IS NOT NULL ORDER BY \"installed_rank\"")) {
            while (r.next()) out.add(r.getString(1) + (r.getBoolean(2) ? "" : " FAILED"));
        }
        return out;
    }
}
