package dev.tempfail.intake;

import dev.tempfail.Relay;
import dev.tempfail.testsupport.MutableClock;
import dev.tempfail.testsupport.SmtpTestClient;
import dev.tempfail.testsupport.TestRelays;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Limits per client address beyond the connection count (ConnectionLimitsTest): messages per
 * time window (452 4.7.0) and errors per session (421 4.7.0 and the end), over real sockets,
 * the window on an injected clock.
 */
class ClientLimitsTest {
    private static final String TOO_MANY_ERRORS = "421 4.7.0 tempfail.localhost Error: too many errors";

    @TempDir Path dir;
    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-01T10:00:00Z"));
    @AutoClose private Relay relay;

    private void start(Map<String, String> overrides) throws Exception {
        relay = Relay.start(TestRelays.config(dir, overrides), clock);
    }

    @Test
    void messagesBeyondTheRateGet452UntilTheWindowHasPassed() throws Exception {
        start(Map.of("TEMPFAIL_SMTP_MAX_MESSAGES_PER_CLIENT", "3", "TEMPFAIL_SMTP_CLIENT_RATE_WINDOW", "1m"));
        try (SmtpTestClient c = SmtpTestClient.connect(relay.smtpPort())) {
            assertTrue(c.sendMail("a@example.org", List.of("b@example.com"), "Subject: 1\r\n\r\nx\r\n").startsWith("250 "));
            for (int i = 2; i <= 3; i++) {
                assertEquals("250 2.1.0 Ok", c.command("MAIL FROM:<a@example.org>"));
                assertEquals("250 2.0.0 Ok", c.command("RSET"));
            }
            assertEquals("452 4.7.0 Error: too much mail from 127.0.0.1", c.command("MAIL FROM:<a@example.org>"));
        }
        try (SmtpTestClient c = SmtpTestClient.greeted(relay.smtpPort())) {
            assertTrue(c.command("MAIL FROM:<a@example.org>").startsWith("452 4.7.0 "), "a new session counts the same");
        }
        try (SmtpTestClient other = SmtpTestClient.greeted("127.0.0.2", relay.smtpPort())) {
            assertEquals("250 2.1.0 Ok", other.command("MAIL FROM:<a@example.org>"), "another address has its own count");
        }
        clock.advance(Duration.ofSeconds(59));
        try (SmtpTestClient c = SmtpTestClient.greeted(relay.smtpPort())) {
            assertTrue(c.command("MAIL FROM:<a@example.org>").startsWith("452 "), "still inside the window");
            clock.advance(Duration.ofSeconds(1));
            assertEquals("250 2.1.0 Ok", c.command("MAIL FROM:<a@example.org>"), "a new window");
        }
    }

    @Test
    void theErrorThatReachesTheLimitIsFollowedBy421AndTheEnd() throws Exception {
        start(Map.of("TEMPFAIL_SMTP_HARD_ERROR_LIMIT", "5"));
        try (SmtpTestClient c = SmtpTestClient.greeted(relay.smtpPort())) {
            assertTrue(c.command("GET / HTTP/1.1").startsWith("500 5.5.2 "), "SubEtha's own reply to an unknown verb counts");
            assertTrue(c.command("RCPT TO:<a@example.com>").startsWith("503 5.5.1 "));
            assertTrue(c.command("MAIL FROM:<bad address>").startsWith("501 "));
            assertEquals("250 2.0.0 Ok", c.command("NOOP"), "a good command does not forgive");
            assertTrue(c.command("XYZZY").startsWith("500 "));
            // the fifth error, with a command pipelined behind it that must never be read
            c.send("FOO\r\nNOOP\r\n");
            assertTrue(c.reply().startsWith("500 "));
            assertEquals(TOO_MANY_ERRORS, c.reply());
            assertTrue(c.isClosedByServer(), "nothing after the 421");
        }
        try (SmtpTestClient again = SmtpTestClient.connect(relay.smtpPort())) {
            assertTrue(again.reply().startsWith("220 "), "the limit is per session, not a ban");
        }
    }

    @Test
    void anAcceptedMessageForgivesTheErrorsBeforeIt() throws Exception {
        start(Map.of("TEMPFAIL_SMTP_HARD_ERROR_LIMIT", "3"));
        try (SmtpTestClient c = SmtpTestClient.greeted(relay.smtpPort())) {
            for (int round = 0; round < 3; round++) {
                assertTrue(c.command("BOGUS").startsWith("500 "));
                assertTrue(c.command("BOGUS").startsWith("500 "));
                assertEquals("250 2.1.0 Ok", c.command("MAIL FROM:<a@example.org>"));
                assertEquals("250 2.1.5 Ok", c.command("RCPT TO:<b@example.com>"));
                assertTrue(c.command("DATA").startsWith("354 "));
                c.send("Subject: round " + round + "\r\n\r\nx\r\n.\r\n");
                assertTrue(c.reply().startsWith("250 2.0.0 Ok: queued as "));
            }
            assertTrue(c.command("BOGUS").startsWith("500 "));
            assertTrue(c.command("BOGUS").startsWith("500 "));
            c.send("BOGUS\r\n");
            assertTrue(c.reply().startsWith("500 "));
            assertEquals(TOO_MANY_ERRORS, c.reply());
        }
    }

    @Test
    void errorsAfterStartTlsCountTowardsTheSameLimit() throws Exception {
        start(Map.of("TEMPFAIL_SMTP_HARD_ERROR_LIMIT", "3"));
        try (SmtpTestClient c = SmtpTestClient.greeted(relay.smtpPort())) {
            assertTrue(c.command("BOGUS").startsWith("500 "));
            c.upgrade();
            assertTrue(c.command("BOGUS").startsWith("500 "));
            c.send("BOGUS\r\n");
            assertTrue(c.reply().startsWith("500 "));
            assertEquals(TOO_MANY_ERRORS, c.reply());
            assertTrue(c.isClosedByServer());
        }
    }

    @Test
    void theTableOfAddressesIsBounded() throws Exception {
        AddressTable<Integer> table = new AddressTable<>();
        for (int i = 0; i <= AddressTable.MAX_ADDRESSES; i++) {
            table.put(InetAddress.getByAddress(new byte[] {10, (byte) (i >> 16), (byte) (i >> 8), (byte) i}), i);
        }
        assertEquals(AddressTable.MAX_ADDRESSES, table.size());
        assertEquals(null, table.get(InetAddress.getByAddress(new byte[] {10, 0, 0, 0})), "the least recently seen went");
        assertFalse(table.get(InetAddress.getByAddress(new byte[] {10, 0, 0, 1})) == null);
    }
}
