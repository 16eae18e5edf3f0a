package dev.tempfail.queue;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Optional;

/**
 * The {@code mta_sts_policy} table: each recipient domain's MTA-STS policy as last fetched, so
 * that a restart keeps it for its max_age (RFC 8461 §5.1). Routing owns what is in it.
 */
public final class MtaStsPolicyStore {
    private final Database db;

    public MtaStsPolicyStore(Database db) {
        this.db = db;
    }

    /** One stored policy: the TXT id it was fetched for, the body as served, when fetched and when it expires. */
    public record Row(String domain, String id, String policy, Instant fetchedAt, Instant expiresAt) {}

    public Optional<Row> load(String domain) throws SQLException {
        try (Connection c = db.connection();
             PreparedStatement s = c.prepareStatement("SELECT policy_id, policy, fetched_at, expires_at FROM mta_sts_policy "
                     + "WHERE domain = ?")) {
            s.setString(1, domain);
            try (ResultSet r = s.executeQuery()) {
                if (!r.next()) return Optional.empty();
                return Optional.of(new Row(domain, r.getString(1), r.getString(2), Instant.ofEpochMilli(r.getLong(3)),
                        Instant.ofEpochMilli(r.getLong(4))));
            }
        }
    }

    /** Replaces the domain's row: UPDATE, then INSERT if there was none (portable SQL). */
    public void save(Row row) throws SQLException {
        try (Connection c = db.connection();
             PreparedStatement u = c.prepareStatement("UPDATE mta_sts_policy SET policy_id = ?, policy = ?, fetched_at = ?, "
                     + "expires_at = ? WHERE domain = ?");
             PreparedStatement i = c.prepareStatement("INSERT INTO mta_sts_policy (policy_id, policy, fetched_at, expires_at, "
                     + "domain) VALUES (?, ?, ?, ?, ?)")) {
            if (bind(u, row).executeUpdate() == 0) bind(i, row).executeUpdate();
        }
    }

    private static PreparedStatement bind(PreparedStatement s, Row row) throws SQLException {
        s.setString(1, row.id());
        s.setString(2, row.policy());
        s.setLong(3, row.fetchedAt().toEpochMilli());
        s.setLong(4, row.expiresAt().toEpochMilli());
        s.setString(5, row.domain());
        return s;
    }
}
