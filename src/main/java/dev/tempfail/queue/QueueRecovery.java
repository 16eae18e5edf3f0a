package dev.tempfail.queue;

import dev.tempfail.config.QueueConfig;
import org.h2.tools.Recover;
import org.h2.tools.RunScript;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;

/**
 * Salvages a damaged queue database: H2's own recovery tool reads what it can of the file into
 * an SQL script, the damaged file is moved aside (kept, never deleted), and the script is run
 * into a fresh file. The spool files are kept; those no salvaged message names (their rows were
 * lost) are moved to {@code unreferenced/} for the operator, not deleted by the next start.
 */
public final class QueueRecovery {
    /** What came of it, for the operator. */
    public record Result(int messages, int recipients, int unreferencedBodies, Path damagedFile, Path script) {}

    private QueueRecovery() {}

    public static Result recover(Path dir) throws IOException, SQLException {
        Path base = Database.file(dir);
        Path file = Path.of(base + ".mv.db");
        if (!Files.exists(file)) throw new IOException("no queue database at " + file);
        Path work = dir.toAbsolutePath().normalize();
        Recover.execute(work.toString(), "tempfail");
        Path script = work.resolve("tempfail.h2.sql");
        if (!Files.exists(script)) throw new IOException("H2's recovery tool wrote no script for " + file);
        String stamp = Instant.now().toString().replace(":", "");
        Path damaged = work.resolve("tempfail.mv.db.damaged-" + stamp);
        Files.move(file, damaged);
        Path trace = work.resolve("tempfail.trace.db");
        if (Files.exists(trace)) Files.move(trace, work.resolve("tempfail.trace.db.damaged-" + stamp));
        Path kept = work.resolve("tempfail.h2.sql.recovered-" + stamp);
        Files.move(script, kept);
        Set<String> named = new HashSet<>();
        try (Connection c = DriverManager.getConnection(Database.url(dir), "tempfail", "")) {
            RunScript.execute(c, Files.newBufferedReader(kept, StandardCharsets.UTF_8));
            try (ResultSet r = c.createStatement().executeQuery("SELECT body_ref FROM message WHERE body_ref IS NOT NULL")) {
                while (r.next()) named.add(r.getString(1));
            } catch (SQLException nothingSalvaged) {
                // no message table came back: the fresh queue starts empty (Flyway creates it below)
            }
            c.createStatement().execute("SHUTDOWN");
        }
        int unreferenced = quarantine(work, named); // before the start-up sweep would remove them
        try (Database db = Database.open(QueueConfig.h2(dir, true, "recovery"), 2); Connection c = db.connection()) {
            return new Result(count(c, "SELECT COUNT(*) FROM message"), count(c, "SELECT COUNT(*) FROM recipient"),
                    unreferenced, damaged, kept);
        }
    }

    private static int count(Connection c, String sql) throws SQLException {
        try (ResultSet r = c.createStatement().executeQuery(sql)) {
            r.next();
            return r.getInt(1);
        }
    }

    /** Moves spool files no salvaged row names out of the start-up sweep's way; returns how many. */
    private static int quarantine(Path dir, Set<String> named) throws IOException {
        Path spool = dir.resolve("spool");
        if (!Files.isDirectory(spool)) return 0;
        Path aside = dir.resolve("unreferenced");
        int moved = 0;
        try (var files = Files.list(spool)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                if (named.contains(f.getFileName().toString())) continue;
                Files.createDirectories(aside);
                Files.move(f, aside.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                moved++;
            }
        }
        return moved;
    }
}
