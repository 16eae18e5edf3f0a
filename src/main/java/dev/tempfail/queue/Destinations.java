package dev.tempfail.queue;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;

/**
 * Throttle state per destination, kept in the {@code destination} table so that a pause or
 * a rate cap survives a restart and holds for every node sharing the queue, and cached in
 * memory because every delivery asks.
 *
 * <p>Across nodes (a PostgreSQL queue): the table is the one truth. A cached row is trusted for
 * {@link #FRESH} at most, so a pause or a cap another node stored is obeyed here within that;
 * every change (a try's, an operator's, an hourly-cap turn) is applied to the row as it is in
 * the database, read {@code FOR UPDATE} in the transaction that writes it, so two nodes never
 * overwrite each other's changes and never both take the same sending turn. Connection limits
 * are the exception: they are divided among the live nodes ({@link LiveNodes}), as counting
 * every connection in the database would add two writes to each delivery. The embedded H2
 * queue has one node, which writes every change itself: its cache never goes stale.
 *
 * <p>A destination is what the router names it ({@code RouteResult.Hosts#destination}): the
 * best MX host, or the route's or smarthost's host:port. A reply that pauses or caps it holds
 * back every domain that shares that host.
 */
public final class Destinations {
    /** The default of {@code retry.cap_release}. */
    public static final Duration DEFAULT_CAP_RELEASE = Duration.ofHours(1);

    /** How long a cached row is trusted when other nodes may change it (a PostgreSQL queue). */
    static final Duration FRESH = Duration.ofSeconds(1);

    private final Database db;
    private final Duration capRelease;
    private final LiveNodes nodes;
    /** How long a cached row is trusted, in nanoseconds; Long.MAX_VALUE when this node alone writes. */
    private final long freshNanos;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();

    private record Cached(Optional<DestinationState> state, long loadedAt) {}

    public Destinations(Database db) {
        this(db, DEFAULT_CAP_RELEASE);
    }

    /** For the operator's tools and tests, which open no connections: every share is the whole limit. */
    public Destinations(Database db, Duration capRelease) {
        this(db, capRelease, LiveNodes.ALONE);
    }

    /**
     * @param capRelease how long an hourly cap takes to lift without another restricting reply
     * @param nodes      the nodes sharing the queue, among which connection limits are divided
     */
    public Destinations(Database db, Duration capRelease, LiveNodes nodes) {
        this.db = db;
        this.capRelease = capRelease;
        this.nodes = nodes;
        this.freshNanos = db.backend() == Database.Backend.POSTGRESQL ? FRESH.toNanos() : Long.MAX_VALUE;
    }

    /**
     * This node's part of a connection limit that holds for the whole cluster (the destination's
     * {@code max_connections}, {@code delivery.per_destination}, a provider profile's): 0 means
     * the other nodes use every connection allowed.
     */
    public int connectionShare(int limit) {
        return nodes.share(limit);
    }

    /** How long an hourly cap takes to lift without another restricting reply ({@code retry.cap_release}). */
    public Duration capRelease() {
        return capRelease;
    }

    public Optional<DestinationState> get(String name) {
        long now = System.nanoTime();
        Cached c = cache.get(name);
        if (c == null || now - c.loadedAt() > freshNanos) {
            c = new Cached(load(name), now);
            cache.put(name, c);
        }
        return c.state();
    }

    /**
     * What a try (or an operator) does to a destination's throttle state: {@code update} turns
     * the row as it is in the database (null: none) into the new state (null: no throttle any
     * more). Delivery applies it in the transaction that records the try ({@link DeliveryQueue#record}),
     * so a failure after the next hop said 250 can never undo the record of that 250.
     */
    public static final class Change {
        private final String name;
        private final UnaryOperator<DestinationState> update;
        private volatile DestinationState applied;

        public Change(String name, UnaryOperator<DestinationState> update) {
            this.name = name;
            this.update = update;
        }

        public String name() {
            return name;
        }

        /** The state it left in the database, once applied. */
        public DestinationState applied() {
            return applied;
        }
    }

    /** Applies a pause and/or limits asked for by a reply now (for operators and tests; delivery uses {@link #restricted}). */
    public synchronized void restrict(String name, Instant now, Instant pauseUntil, int maxConnections, int maxPerHour,
                                      String reason) throws SQLException {
        apply(new Change(name, old -> restricted(name, old, now, pauseUntil, maxConnections, maxPerHour, reason)));
    }

    /** {@code old} with a pause and/or limits asked for by a reply; a limit of 0 leaves that limit as it was. */
    public static DestinationState restricted(String name, DestinationState old, Instant now, Instant pauseUntil,
                                              int maxConnections, int maxPerHour, String reason) {
        Instant suspended = later(old == null ? null : old.suspendedUntil(), pauseUntil);
        Integer conns = maxConnections > 0 ? Integer.valueOf(maxConnections) : old == null ? null : old.maxConnections();
        Integer perHour = maxPerHour > 0 ? Integer.valueOf(maxPerHour) : old == null ? null : old.maxPerHour();
        Instant nextSend = old == null ? null : old.nextSendAt();
        // the quiet that lifts an hourly cap counts from the last reply that set one
        Instant since = old != null && old.maxPerHour() != null && maxPerHour == 0 ? old.updatedAt() : now;
        return new DestinationState(name, suspended, reason, perHour, conns, nextSend, since);
    }

    /** The operator's pause: nothing goes to {@code name} (a next hop or a recipient domain) before {@code until}. */
    public synchronized void suspend(String name, Instant now, Instant until, String reason) throws SQLException {
        apply(new Change(name, old -> new DestinationState(name, until, reason, old == null ? null : old.maxPerHour(),
                old == null ? null : old.maxConnections(), old == null ? null : old.nextSendAt(), now)));
    }

    /** Lifts every pause and cap on {@code name}; returns whether there was any. */
    public synchronized boolean resume(String name) throws SQLException {
        boolean[] had = {false};
        apply(new Change(name, old -> {
            had[0] = old != null;
            return null;
        }));
        return had[0];
    }

    /** Applies {@code change} in a transaction of its own, then remembers what it left. */
    private void apply(Change change) throws SQLException {
        try (Connection c = db.connection()) {
            c.setAutoCommit(false);
            try {
                write(c, change);
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
        remember(change);
    }

    /**
     * Takes the destination's next sending turn under an hourly cap: returns the time the
     * caller may send (now, or later if the cap says so) and books the turn after it. The cap
     * is the one in force now ({@link DestinationState#perHourAt}); taking a turn does not
     * count as the destination speaking, so it never delays the cap's release.
     */
    public synchronized Instant takeTurn(String name, Instant now) throws SQLException {
        DestinationState cached = get(name).orElse(null);
        if (cached == null || cached.maxPerHour() == null) return now; // no cap known: no locked read
        Instant[] turn = {now};
        apply(new Change(name, s -> { // on the row as it is now: two nodes never take the same turn
            turn[0] = now;
            if (s == null || s.maxPerHour() == null) return s;
            Integer cap = s.perHourAt(now, capRelease);
            if (cap == null) return withoutCap(s);
            Instant at = s.nextSendAt() == null || s.nextSendAt().isBefore(now) ? now : s.nextSendAt();
            if (at.isAfter(now)) {
                turn[0] = at;
                return s;
            }
            return new DestinationState(name, s.suspendedUntil(), s.reason(), s.maxPerHour(), s.maxConnections(),
                    now.plus(Duration.ofSeconds(3600 / cap)), s.updatedAt());
        }));
        return turn[0];
    }

    /** The earliest time anything may be sent to {@code name}, given its pause and the cap in force; null = now. */
    public Instant notBefore(String name, Instant now) {
        DestinationState s = get(name).orElse(null);
        if (s == null) return null;
        Instant cap = s.perHourAt(now, capRelease) == null ? null : s.nextSendAt();
        return later(s.suspendedUntil(), cap);
    }

    /**
     * {@code s} after the destination took mail: its pause and connection limit lifted; an
     * hourly cap stays until it has relaxed away ({@link DestinationState#perHourAt}).
     */
    public static DestinationState accepted(DestinationState s, Instant now, Duration capRelease) {
        if (s == null) return null;
        boolean capLifted = s.perHourAt(now, capRelease) == null;
        if (s.suspendedUntil() == null && s.maxConnections() == null && !capLifted) return s;
        if (capLifted) return null;
        return new DestinationState(s.name(), null, s.reason(), s.maxPerHour(), null, s.nextSendAt(), s.updatedAt());
    }

    /** {@code s} with its hourly cap dropped (null when nothing else is left on it). */
    private static DestinationState withoutCap(DestinationState s) {
        if (s.suspendedUntil() == null && s.maxConnections() == null) return null;
        return new DestinationState(s.name(), s.suspendedUntil(), s.reason(), null, s.maxConnections(), null, s.updatedAt());
    }

    /** After the transaction that applied {@code change} committed: what every delivery reads from now on. */
    public void remember(Change change) {
        cache.put(change.name(), new Cached(Optional.ofNullable(change.applied()), System.nanoTime()));
    }

    private static final String SELECT = "SELECT name, suspended_until, reason, max_per_hour, "
            + "max_connections, next_send_at, updated_at FROM destination WHERE name = ?";

    private Optional<DestinationState> load(String name) {
        try (Connection c = db.connection()) {
            return read(c, name, SELECT);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read destination " + name, e);
        }
    }

    private static Optional<DestinationState> read(Connection c, String name, String sql) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(sql)) {
            s.setString(1, name);
            try (ResultSet r = s.executeQuery()) {
                return r.next() ? Optional.of(read(r)) : Optional.empty();
            }
        }
    }

    /**
     * Applies {@code change} inside the caller's transaction, to the row as it is (locked until
     * the commit, so no other node changes it in between); writes only if that changes it.
     */
    static void write(Connection c, Change change) throws SQLException {
        DestinationState old = read(c, change.name(), SELECT + " FOR UPDATE").orElse(null);
        DestinationState state = change.update.apply(old);
        change.applied = state;
        if (Objects.equals(old, state)) return;
        if (state == null) {
            try (PreparedStatement s = c.prepareStatement("DELETE FROM destination WHERE name = ?")) {
                s.setString(1, change.name());
                s.executeUpdate();
            }
            return;
        }
        // UPDATE, then INSERT if there was no row: portable SQL (a race between two nodes fails on the key, and is retried as a whole)
        try (PreparedStatement u = c.prepareStatement("UPDATE destination SET suspended_until = ?, reason = ?, "
                     + "max_per_hour = ?, max_connections = ?, next_send_at = ?, updated_at = ? WHERE name = ?");
             PreparedStatement i = c.prepareStatement("INSERT INTO destination (suspended_until, reason, max_per_hour, "
                     + "max_connections, next_send_at, updated_at, name) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            if (bind(u, state).executeUpdate() == 0) bind(i, state).executeUpdate();
        }
    }

    private static PreparedStatement bind(PreparedStatement s, DestinationState d) throws SQLException {
        setInstant(s, 1, d.suspendedUntil());
        s.setString(2, d.reason() == null || d.reason().length() <= 1000 ? d.reason() : d.reason().substring(0, 1000));
        setInt(s, 3, d.maxPerHour());
        setInt(s, 4, d.maxConnections());
        setInstant(s, 5, d.nextSendAt());
        s.setLong(6, d.updatedAt().toEpochMilli());
        s.setString(7, d.name());
        return s;
    }

    private static DestinationState read(ResultSet r) throws SQLException {
        return new DestinationState(r.getString(1), instant(r, 2), r.getString(3), integer(r, 4), integer(r, 5),
                instant(r, 6), Instant.ofEpochMilli(r.getLong(7)));
    }

    private static Instant later(Instant a, Instant b) {
        if (a == null) return b;
        if (b == null) return a;
        return a.isAfter(b) ? a : b;
    }

    private static Instant instant(ResultSet r, int i) throws SQLException {
        long v = r.getLong(i);
        return r.wasNull() ? null : Instant.ofEpochMilli(v);
    }

    private static Integer integer(ResultSet r, int i) throws SQLException {
        int v = r.getInt(i);
        return r.wasNull() ? null : v;
    }

    private static void setInstant(PreparedStatement s, int i, Instant v) throws SQLException {
        if (v == null) s.setNull(i, Types.BIGINT);
        else s.setLong(i, v.toEpochMilli());
    }

    private static void setInt(PreparedStatement s, int i, Integer v) throws SQLException {
        if (v == null) s.setNull(i, Types.INTEGER);
        else s.setInt(i, v);
    }
}
