package dev.tempfail.queue;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Throttle state per destination, kept in the {@code destination} table so that a pause or
 * a rate cap survives a restart, and cached in memory because every delivery asks.
 */
public final class Destinations {
    private final Database db;
    private final Map<String, Optional<DestinationState>> cache = new ConcurrentHashMap<>();

    public Destinations(Database db) {
        this.db = db;
    }

    public Optional<DestinationState> get(String name) {
        return cache.computeIfAbsent(name, this::load);
    }

    /** Applies a pause and/or limits asked for by a reply; a limit of 0 leaves that limit as it was. */
    public synchronized void restrict(String name, Instant now, Instant pauseUntil, int maxConnections, int maxPerHour,
                                      String reason) throws SQLException {
        DestinationState old = get(name).orElse(null);
        Instant suspended = later(old == null ? null : old.suspendedUntil(), pauseUntil);
        Integer conns = maxConnections > 0 ? Integer.valueOf(maxConnections) : old == null ? null : old.maxConnections();
        Integer perHour = maxPerHour > 0 ? Integer.valueOf(maxPerHour) : old == null ? null : old.maxPerHour();
        Instant nextSend = old == null ? null : old.nextSendAt();
        save(new DestinationState(name, suspended, reason, perHour, conns, nextSend, now));
    }

    /**
     * Takes the destination's next sending turn under an hourly cap: returns the time the
     * caller may send (now, or later if the cap says so) and books the turn after it.
     */
    public synchronized Instant takeTurn(String name, Instant now) throws SQLException {
        DestinationState s = get(name).orElse(null);
        if (s == null || s.maxPerHour() == null) return now;
        Instant turn = s.nextSendAt() == null || s.nextSendAt().isBefore(now) ? now : s.nextSendAt();
        if (turn.isAfter(now)) return turn;
        Instant next = now.plus(Duration.ofSeconds(3600 / s.maxPerHour()));
        save(new DestinationState(name, s.suspendedUntil(), s.reason(), s.maxPerHour(), s.maxConnections(), next, now));
        return now;
    }

    /** The destination took mail: lift its pause and connection limit (an hourly cap stays for its day). */
    public synchronized void accepted(String name, Instant now) throws SQLException {
        DestinationState s = get(name).orElse(null);
        if (s == null) return;
        boolean capExpired = s.maxPerHour() != null && s.updatedAt().plus(Duration.ofDays(1)).isBefore(now);
        if (s.suspendedUntil() == null && s.maxConnections() == null && !capExpired) return;
        if (s.maxPerHour() == null || capExpired) {
            delete(name);
        } else {
            save(new DestinationState(name, null, s.reason(), s.maxPerHour(), null, s.nextSendAt(), s.updatedAt()));
        }
    }

    private Optional<DestinationState> load(String name) {
        try (Connection c = db.connection();
             PreparedStatement s = c.prepareStatement("SELECT name, suspended_until, reason, max_per_hour, "
                     + "max_connections, next_send_at, updated_at FROM destination WHERE name = ?")) {
            s.setString(1, name);
            try (ResultSet r = s.executeQuery()) {
                return r.next() ? Optional.of(read(r)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read destination " + name, e);
        }
    }

    private void save(DestinationState d) throws SQLException {
        // UPDATE, then INSERT if there was no row: portable SQL, and callers are serialised by this object
        try (Connection c = db.connection();
             PreparedStatement u = c.prepareStatement("UPDATE destination SET suspended_until = ?, reason = ?, "
                     + "max_per_hour = ?, max_connections = ?, next_send_at = ?, updated_at = ? WHERE name = ?");
             PreparedStatement i = c.prepareStatement("INSERT INTO destination (suspended_until, reason, max_per_hour, "
                     + "max_connections, next_send_at, updated_at, name) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            if (bind(u, d).executeUpdate() == 0) bind(i, d).executeUpdate();
        }
        cache.put(d.name(), Optional.of(d));
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

    private void delete(String name) throws SQLException {
        try (Connection c = db.connection(); PreparedStatement s = c.prepareStatement("DELETE FROM destination WHERE name = ?")) {
            s.setString(1, name);
            s.executeUpdate();
        }
        cache.put(name, Optional.empty());
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
