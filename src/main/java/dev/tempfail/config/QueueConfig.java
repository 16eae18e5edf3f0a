package dev.tempfail.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.time.Duration;

/**
 * Where the durable queue lives, how durable a commit is, and this node's name in it.
 *
 * <p>Without {@code url} the queue is the embedded H2 database under {@code dir}, for one
 * node. With {@code url} (a {@code jdbc:postgresql:} URL) it is a PostgreSQL database that
 * several nodes can share.
 *
 * @param fsync        force every (group) commit to the disk before it counts: a 250 then survives a
 *                     power loss; without it, a 250 survives the death of the process but not of the
 *                     machine. For PostgreSQL this covers the spool files; the database's own commits
 *                     are always waited for (synchronous_commit on).
 * @param nodeId       this node's name as the owner of the leases it takes ({@code queue.node_id}; default:
 *                     the host name): nodes sharing one queue must have different names, a restarted node the same one
 * @param minFree      the free space {@code dir}'s filesystem keeps: below it MAIL is refused with 452 4.3.1
 *                     (Postfix's queue_minfree); by default the larger of 1 GB and 1.5 times the largest message
 * @param keepFinished how long a finished message (delivered, failed, expired, deleted) stays readable
 *                     with its attempts ({@code queue show}), before it is purged
 * @param keepBodies   keep a finished message's body for that time too ({@code queue cat}); false drops
 *                     it as soon as the message is finished
 * @param url          the PostgreSQL JDBC URL; empty = embedded H2 under {@code dir}
 * @param user         the PostgreSQL user (or given in the URL)
 * @param passwordFile a file holding the PostgreSQL password (its first line), kept out of the config
 *                     and the environment
 * @param leaseTime    how long a node's lease on the recipients it is delivering lasts unless it extends
 *                     it (it does, every quarter of it, while it runs): a node that dies delays what it
 *                     held by about this long before another node (or its own restart) takes it over
 */
public record QueueConfig(Path dir, boolean fsync, String nodeId, long minFree, Duration keepFinished, boolean keepBodies,
                          Optional<String> url, Optional<String> user, Optional<Path> passwordFile, Duration leaseTime) {
    /** {@code queue.keep_finished}'s default, for the factories below. */
    static final Duration KEEP_FINISHED = Duration.ofDays(7);
    /** {@code queue.lease_time}'s default. */
    public static final Duration LEASE_TIME = Duration.ofMinutes(10);

    static final String POSTGRESQL_SCHEME = "jdbc:postgresql:";

    /** The embedded H2 queue under {@code dir} (no free-space floor: for tests and tools). */
    public static QueueConfig h2(Path dir, boolean fsync, String nodeId) {
        return new QueueConfig(dir, fsync, nodeId, 0, KEEP_FINISHED, false, Optional.empty(), Optional.empty(), Optional.empty(), LEASE_TIME);
    }

    /** A PostgreSQL queue; {@code dir} stays the node's local directory (the spool). */
    public static QueueConfig postgresql(Path dir, String nodeId, String url, String user, Path passwordFile) {
        return new QueueConfig(dir, true, nodeId, 0, KEEP_FINISHED, false, Optional.of(url), Optional.ofNullable(user), Optional.ofNullable(passwordFile), LEASE_TIME);
    }

    /** True when the queue is a (possibly shared) PostgreSQL database. */
    public boolean postgresql() {
        return url.isPresent();
    }

    /** Where the queue is, for log lines: the H2 directory, or the URL without its parameters. */
    public String describe() {
        return url.map(u -> u.replaceFirst("\\?.*", "")).orElse(dir.toAbsolutePath().normalize().toString());
    }

    static QueueConfig from(Settings s) {
        String nodeId = s.isNull("queue.node_id") ? localHostName() : s.text("queue.node_id");
        if (!nodeId.matches("[A-Za-z0-9._:-]{1,64}")) {
            throw s.error("queue.node_id", "must be 1 to 64 letters, digits, '.', '_', ':' or '-', got '" + nodeId + "'");
        }
        Optional<String> url = s.isNull("queue.url") ? Optional.empty() : Optional.of(s.text("queue.url"));
        if (url.isPresent() && !url.get().startsWith(POSTGRESQL_SCHEME)) {
            throw s.error("queue.url", "must be a PostgreSQL JDBC URL (" + POSTGRESQL_SCHEME
                    + "//host:port/database), got '" + url.get() + "'; leave it null for the embedded H2 queue under queue.dir");
        }
        Optional<String> user = s.isNull("queue.user") ? Optional.empty() : Optional.of(s.text("queue.user"));
        Optional<Path> passwordFile = s.isNull("queue.password_file") ? Optional.empty()
                : Optional.of(s.path("queue.password_file"));
        if (url.isEmpty() && user.isPresent()) throw s.error("queue.user", "is only used with queue.url (PostgreSQL)");
        if (url.isEmpty() && passwordFile.isPresent()) {
            throw s.error("queue.password_file", "is only used with queue.url (PostgreSQL)");
        }
        if (passwordFile.isPresent() && !Files.isReadable(passwordFile.get())) {
            throw s.error("queue.password_file", "cannot read " + passwordFile.get());
        }
        long minFree = s.isNull("queue.min_free")
                ? Math.max(1L << 30, s.size("smtp.max_message_size") * 3 / 2) : s.size("queue.min_free");
        Duration leaseTime = s.duration("queue.lease_time");
        if (leaseTime.compareTo(Duration.ofSeconds(2)) < 0) {
            throw s.error("queue.lease_time", "must be at least 2s (the lease is extended every quarter of it), got "
                    + Durations.compact(leaseTime));
        }
        return new QueueConfig(s.path("queue.dir"), s.bool("queue.fsync"), nodeId, minFree, s.duration("queue.keep_finished"),
                s.bool("queue.keep_bodies"), url, user, passwordFile, leaseTime);
    }

    private static String localHostName() {
        try {
            String name = InetAddress.getLocalHost().getHostName().replaceAll("[^A-Za-z0-9._:-]", "-");
            return name.isEmpty() ? "localhost" : name.substring(0, Math.min(64, name.length()));
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }
}
