package dev.tempfail.delivery;

import dev.tempfail.Relay;
import dev.tempfail.queue.Database;
import dev.tempfail.queue.Destinations;
import dev.tempfail.testsupport.Await;
import dev.tempfail.testsupport.FakeUpstream;
import dev.tempfail.testsupport.MutableClock;
import dev.tempfail.testsupport.SmtpTestClient;
import dev.tempfail.testsupport.TestRelays;
import dev.tempfail.testsupport.Sql;
import org.h2.api.Trigger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The throttle change a try calls for is written with the try: when that write fails after the
 * next hop said 250, the 250 is still recorded and the mail never goes out a second time.
 */
class ThrottleFailureTest {
    private static final Instant T0 = Instant.parse("2026-11-23T10:00:00Z");

    @TempDir Path dir;

    /** Refuses every change to the destination table: the failure injected after the 250. */
    public static final class RefuseWrites implements Trigger {
        @Override
        public void fire(Connection conn, Object[] oldRow, Object[] newRow) throws SQLException {
            throw new SQLException("injected failure: the destination table refuses writes");
        }
    }

    @Test
    void aFailedThrottleUpdateAfterA250DoesNotSendTwice() throws Exception {
        MutableClock clock = new MutableClock(T0);
        try (FakeUpstream up = FakeUpstream.builder().start()) {
            String destination = "127.0.0.1:" + up.port();
            var config = TestRelays.config(dir, Map.of("TEMPFAIL_DELIVERY_ENABLED", "true",
                    "TEMPFAIL_DELIVERY_ROUTES", "{example.com: '" + destination + "'}"));
            try (Relay relay = Relay.start(config, clock, TestRelays.FAST)) {
                // the destination is held to one connection: its 250 lifts that, a write that will fail
                new Destinations(relay.database()).restrict(destination, T0, null, 1, 0, "test limit");
                try (Connection c = relay.database().connection(); Statement s = c.createStatement()) {
                    if (relay.database().backend() == Database.Backend.POSTGRESQL) {
                        s.execute("CREATE FUNCTION refuse_writes() RETURNS trigger LANGUAGE plpgsql AS "
                                + "$$ BEGIN RAISE EXCEPTION 'injected failure: the destination table refuses writes'; END $$");
                        s.execute("CREATE TRIGGER refuse_writes BEFORE INSERT OR UPDATE OR DELETE ON destination "
                                + "FOR EACH ROW EXECUTE FUNCTION refuse_writes()");
                    } else {
                        s.execute("CREATE TRIGGER refuse_writes BEFORE INSERT, UPDATE, DELETE ON destination "
                                + "FOR EACH ROW CALL '" + RefuseWrites.class.getName() + "'");
                    }
                }
                String reply = SmtpTestClient.sendMail(relay.smtpPort(), "s@example.org",
                        List.of("r@example.com"), "Subject: once\r\n\r\nonce\r\n");
                assertTrue(reply.startsWith("250 "), reply);
                Await.until(Duration.ofSeconds(20), "delivered and recorded", () -> up.messages().size() == 1 && queued(relay) == 0);
                // the message left the queue as delivered: nothing is left that could be sent again
                assertEquals(1, up.messages().size(), "sent exactly once");
                assertEquals(1, maxConnections(relay), "the throttle change was refused, the try stored anyway");
            }
        }
    }

    private static long queued(Relay relay) throws Exception {
        return Sql.count(relay.database(), "SELECT COUNT(*) FROM message WHERE finished_at IS NULL");
    }

    private static long maxConnections(Relay relay) throws Exception {
        return Sql.number(relay.database(), "SELECT max_connections FROM destination");
    }
}
