package dev.tempfail.queue;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.tempfail.config.QueueConfig;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The queue's database, opened with durable commits and migrated by Flyway
 * ({@code db/migration}, the same SQL for both backends) before anything else touches it:
 * the embedded H2 file under {@code queue.dir} for one node, or a PostgreSQL database
 * ({@code queue.url}) that several nodes share; and the message bodies ({@link BodyStore}), swept at
 * opening: spool files in {@code queue.dir/spool} beside H2 ({@link SpoolFiles}, {@link BodySweep}),
 * chunks in the database itself on PostgreSQL, where every node reads them ({@link DatabaseBodies}).
 *
 * <p>H2: its default WRITE_DELAY of 500 ms leaves a committed transaction in memory for up to
 * half a second, so a {@code kill -9} right after a 250 could lose it. WRITE_DELAY=0 writes
 * every commit to the file before the commit returns: the operating system then holds it,
 * whatever happens to our process. To survive the machine going down too, {@link GroupCommit}
 * forces the file to the disk ({@code CHECKPOINT SYNC}, an fsync) before a commit counts.
 * QUERY_CACHE_SIZE: H2 keeps 8 parsed statements per connection by default, fewer than the
 * queue's writes use, so a batch of mixed writes parsed its SQL again and again.
 *
 * <p>PostgreSQL: a commit returns once the server has flushed it to its write-ahead log, as
 * long as {@code synchronous_commit} is not {@code off}; every connection of the pool forces
 * it back to {@code on} if the server, database or role turned it off (stronger settings such as
 * {@code remote_apply} are kept). A server running with {@code fsync=off} is reported at start.
 */
public final class Database implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger("tempfail/queue");
    /** Turns synchronous_commit on for the session if something turned it off; keeps it as it is otherwise. */
    static final String FORCE_SYNCHRONOUS_COMMIT =
            "SELECT set_config('synchronous_commit', 'on', false) WHERE current_setting('synchronous_commit') = 'off'";

    /** The two kinds of queue database; where their SQL or their promises differ, this says how. */
    public enum Backend { H2, POSTGRESQL }

    private final HikariDataSource pool;
    private final Backend backend;
    private final BodyStore bodies;
    private final GroupCommit commits;
    private final AtomicBoolean closed = new AtomicBoolean();

    private Database(HikariDataSource pool, Backend backend, BodyStore bodies, boolean fsync) {
        this.pool = pool;
        this.backend = backend;
        this.bodies = bodies;
        this.commits = new GroupCommit(pool, bodies, fsync, backend == Backend.H2);
    }

    /**
     * Opens (and migrates) the queue {@code queue} names, with at most {@code maxConnections}
     * connections. Reads {@code queue.password_file} now, so that a changed password needs only a restart.
     */
    public static Database open(QueueConfig queue, int maxConnections) {
        HikariConfig hc = new HikariConfig();
        hc.setPoolName("tempfail-queue");
        hc.setMaximumPoolSize(Math.max(2, maxConnections)); // Flyway holds two at once while it migrates
        hc.setMinimumIdle(Math.min(2, maxConnections)); // connections are opened as load needs them
        hc.setConnectionTimeout(10_000);
        try {
            Files.createDirectories(queue.dir()); // H2's file and spool; on PostgreSQL the node's local directory
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create queue directory " + queue.dir(), e);
        }
        Backend backend;
        if (queue.postgresql()) {
            backend = Backend.POSTGRESQL;
            hc.setJdbcUrl(queue.url().orElseThrow());
            queue.user().ifPresent(hc::setUsername);
            queue.passwordFile().ifPresent(f -> hc.setPassword(readPassword(f)));
            hc.setConnectionInitSql(FORCE_SYNCHRONOUS_COMMIT);
        } else {
            backend = Backend.H2;
            hc.setJdbcUrl(url(queue.dir()));
            hc.setUsername("tempfail");
            hc.setPassword("");
        }
        HikariDataSource pool;
        try {
            pool = new HikariDataSource(hc); // connects at once: a locked or damaged H2 file, a server that refuses
        } catch (RuntimeException e) {
            throw new QueueUnavailableException(queue, e);
        }
        try {
            Flyway.configure()
                    .dataSource(pool)
                    .locations("classpath:db/migration")
                    .load()
                    .migrate(); // on PostgreSQL under an advisory lock: nodes starting together migrate once
            if (backend == Backend.POSTGRESQL) warnIfNotDurable(pool);
        } catch (RuntimeException | SQLException e) {
            pool.close();
            throw new QueueUnavailableException(queue, e);
        }
        BodyStore bodies;
        try {
            if (backend == Backend.POSTGRESQL) {
                DatabaseBodies inDatabase = new DatabaseBodies(pool, queue.nodeId(), Clock.systemUTC());
                inDatabase.sweep();
                bodies = inDatabase;
            } else {
                bodies = new SpoolFiles(queue.dir().resolve("spool"), queue.fsync());
                BodySweep.run(pool, bodies);
            }
        } catch (IOException | SQLException e) {
            pool.close();
            throw new IllegalStateException("cannot sweep the message bodies of " + queue.describe() + ": " + e, e);
        }
        // PostgreSQL: every commit is already on the server's disk when it returns, bodies included
        return new Database(pool, backend, bodies, queue.fsync() && backend == Backend.H2);
    }

    /** The H2 URL of the queue in {@code dir}: durable commits (see the class comment). */
    static String url(Path dir) {
        return "jdbc:h2:file:" + file(dir) + ";WRITE_DELAY=0;DB_CLOSE_ON_EXIT=FALSE;LOCK_TIMEOUT=10000;QUERY_CACHE_SIZE=64";
    }

    /** The H2 database file's path without its {@code .mv.db} ending. */
    static Path file(Path dir) {
        return dir.toAbsolutePath().normalize().resolve("tempfail");
    }

    /** The queue could not be opened: one line that says where, why, and what to do. */
    public static final class QueueUnavailableException extends IllegalStateException {
        QueueUnavailableException(QueueConfig queue, Throwable cause) {
            super("cannot open the queue database " + (queue.postgresql() ? "at " : "in ") + queue.describe() + ": "
                    + firstLine(cause) + (queue.postgresql() ? " (check queue.url, queue.user, queue.password_file and "
                    + "that the server runs)" : " (if another tempfail uses it, stop that one; if the file is damaged, "
                    + "'tempfail queue recover' salvages what can be read into a fresh queue)"), cause);
        }

        private static String firstLine(Throwable e) {
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) root = root.getCause();
            String m = String.valueOf(root.getMessage());
            int nl = m.indexOf('\n');
            return nl < 0 ? m : m.substring(0, nl);
        }
    }

    private static String readPassword(Path file) {
        try {
            String text = Files.readString(file);
            int eol = text.indexOf('\n');
            return (eol < 0 ? text : text.substring(0, eol)).strip();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read queue.password_file " + file, e);
        }
    }

    /** A PostgreSQL server with fsync off acknowledges commits it may lose in a crash of its host: say so. */
    private static void warnIfNotDurable(DataSource pool) throws SQLException {
        try (Connection c = pool.getConnection(); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT current_setting('fsync'), current_setting('synchronous_commit')")) {
            r.next();
            if (!"on".equals(r.getString(1))) {
                log.warn("the PostgreSQL server runs with fsync={}: a 250 survives a crash of tempfail, not of the database host",
                        r.getString(1));
            }
            if ("off".equals(r.getString(2))) throw new SQLException("synchronous_commit is still off on a queue connection");
        }
    }

    public Backend backend() {
        return backend;
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
        pool.close();
    }
}
