package dev.tempfail.queue;

import org.flywaydb.core.Flyway;
import org.h2.jdbcx.JdbcConnectionPool;

import javax.sql.DataSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The queue's H2 file database: opened with durable commits, migrated by Flyway
 * ({@code db/migration}) before anything else touches it; and beside it the message bodies
 * ({@link BodyStore}, spool files in {@code queue.dir/spool}), swept at opening ({@link BodySweep}).
 *
 * <p>H2's default WRITE_DELAY of 500 ms leaves a committed transaction in memory for up to
 * half a second, so a {@code kill -9} right after a 250 could lose it. WRITE_DELAY=0 writes
 * every commit to the file before the commit returns: the operating system then holds it,
 * whatever happens to our process. To survive the machine going down too, {@link GroupCommit}
 * forces the file to the disk ({@code CHECKPOINT SYNC}, an fsync) before a commit counts.
 */
public final class Database implements AutoCloseable {
    private final JdbcConnectionPool pool;
    private final BodyStore bodies;
    private final GroupCommit commits;
    private final AtomicBoolean closed = new AtomicBoolean();

    private Database(JdbcConnectionPool pool, BodyStore bodies, boolean fsync) {
        this.pool = pool;
        this.bodies = bodies;
        this.commits = new GroupCommit(pool, bodies, fsync);
    }

    public static Database open(Path dir, int maxConnections) {
        return open(dir, maxConnections, true);
    }

    /**
     * @param fsync force writes to the disk before a commit counts (see {@link GroupCommit});
     *              false keeps commits safe from the process dying, but not from the machine
     */
    public static Database open(Path dir, int maxConnections, boolean fsync) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create queue directory " + dir, e);
        }
        JdbcConnectionPool pool = JdbcConnectionPool.create(url(dir), "tempfail", "");
        pool.setMaxConnections(maxConnections);
        try {
            Flyway.configure()
                    .dataSource(pool)
                    .locations("classpath:db/migration")
                    .load()
                    .migrate();
        } catch (RuntimeException e) {
            pool.dispose();
            throw new QueueUnavailableException(dir, e);
        }
        BodyStore bodies;
        try {
            bodies = new SpoolFiles(dir.resolve("spool"), fsync);
            BodySweep.run(pool, bodies);
        } catch (IOException | SQLException e) {
            pool.dispose();
            throw new IllegalStateException("cannot read the spool in " + dir + ": " + e, e);
        }
        return new Database(pool, bodies, fsync);
    }

    /** The H2 URL of the queue in {@code dir}: durable commits (see the class comment). */
    static String url(Path dir) {
        return "jdbc:h2:file:" + file(dir) + ";WRITE_DELAY=0;DB_CLOSE_ON_EXIT=FALSE;LOCK_TIMEOUT=10000";
    }

    /** The H2 database file's path without its {@code .mv.db} ending. */
    static Path file(Path dir) {
        return dir.toAbsolutePath().normalize().resolve("tempfail");
    }

    /** The queue could not be opened: one line that says where, why, and what to do. */
    public static final class QueueUnavailableException extends IllegalStateException {
        QueueUnavailableException(Path dir, Throwable cause) {
            super("cannot open the queue database in " + dir.toAbsolutePath().normalize() + ": " + firstLine(cause)
                    + " (if another tempfail uses it, stop that one; if the file is damaged, "
                    + "'tempfail queue recover' salvages what can be read into a fresh queue)", cause);
        }

        private static String firstLine(Throwable e) {
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) root = root.getCause();
            String m = String.valueOf(root.getMessage());
            int nl = m.indexOf('\n');
            return nl < 0 ? m : m.substring(0, nl);
        }
    }

    /** Where the message bodies are; a row names its body by {@code message.body_ref}. */
    public BodyStore bodies() {
        return bodies;
    }

    public DataSource dataSource() {
        return pool;
    }

    public Connection connection() throws SQLException {
        return pool.getConnection();
    }

    /**
     * Runs {@code work} in a transaction shared with whatever other writes are waiting, and
     * returns once it is durably committed ({@link GroupCommit}).
     */
    void write(GroupCommit.Work work) throws SQLException {
        commits.run(work);
    }

    /** Writes waiting for the committer (for tests). */
    int waitingWrites() {
        return commits.waiting();
    }

    /**
     * As {@link #write}, returning once committed to the file, before the sync to the disk
     * (see {@link GroupCommit#run(GroupCommit.Work, boolean)}): for the record of a delivery.
     */
    void writeUnsynced(GroupCommit.Work work) throws SQLException {
        commits.run(work, false);
    }

    /**
     * Closes the database cleanly; a second call does nothing. H2 closes the file when its last
     * connection closes (DB_CLOSE_DELAY 0), so disposing of the pool is enough. (A SHUTDOWN
     * statement on a pooled connection left H2 to roll that connection back on a closed
     * database, and a "Database is already closed" trace in tempfail.trace.db at every stop.)
     */
    @Override
    public void close() {
        if (closed.getAndSet(true)) return;
        commits.close();
        pool.dispose();
    }
}
