package dev.tempfail.route;

import java.time.Instant;
import java.util.Optional;

/**
 * Where MTA-STS policies are kept between restarts (RFC 8461 §5.1 wants them cached for their
 * max_age, so that an attacker who blocks the policy fetch cannot downgrade a known domain).
 * The queue database implements it; routing only reads and writes through it.
 */
public interface MtaStsStore {
    /** A policy as fetched: its TXT id, the body as served, and when it was fetched and expires. */
    record Stored(String domain, String id, String policy, Instant fetchedAt, Instant expiresAt) {}

    Optional<Stored> load(String domain) throws Exception;

    void save(Stored stored) throws Exception;

    /** Nothing is kept: every start begins without policies (tests, and a relay without a database). */
    MtaStsStore NONE = new MtaStsStore() {
        @Override
        public Optional<Stored> load(String domain) {
            return Optional.empty();
        }

        @Override
        public void save(Stored stored) {}
    };
}
