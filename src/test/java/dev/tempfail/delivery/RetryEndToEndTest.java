package dev.tempfail.delivery;

import dev.tempfail.Relay;
import dev.tempfail.queue.Destinations;
import dev.tempfail.testsupport.Await;
import dev.tempfail.testsupport.FakeUpstream;
import dev.tempfail.testsupport.MutableClock;
import dev.tempfail.testsupport.SmtpTestClient;
import dev.tempfail.testsupport.Sql;
import dev.tempfail.testsupport.TestRelays;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Retries driven by a test clock: the relay waits as the policy says, and the test moves time on. */
class RetryEndToEndTest {
    private static final Instant T0 = Instant.parse("2026-11-23T10:00:00Z");
    private static final Duration LIMIT = Duration.ofSeconds(20);

    @TempDir Path dir;
    private final MutableClock clock = new MutableClock(T0);
    @AutoClose private Relay relay;

    private void start(Map<String, String> routes) throws Exception {
        StringBuilder yaml = new StringBuilder("{");
        routes.forEach((d, hp) -> yaml.append(yaml.length() > 1 ? ", " : "").append(d).append(": '").append(hp).append("'"));
        relay = Relay.start(TestRelays.config(dir, Map.of("TEMPFAIL_DELIVERY_ENABLED", "true",
                "TEMPFAIL_DELIVERY_ROUTES", yaml.append("}").toString())), clock, TestRelays.FAST);
    }

    private void send(List<String> to) throws Exception {
        assertTrue(SmtpTestClient.sendMail(relay.smtpPort(), "s@example.org", to, "Subject: retry\r\n\r\nx\r\n")
                .startsWith("250 "));
    }

    record State(String state, int attempts, Instant next, String status, String text, Instant delayNotified) {}

    private State state(String address) throws Exception {
        List<Object> r = Sql.row(relay.database(), "SELECT state, attempts, next_attempt_at, last_status, last_text, "
                + "delay_notified_at FROM recipient WHERE address = ?", address);
        if (r == null) return null;
        return new State((String) r.get(0), ((Number) r.get(1)).intValue(), instant(r.get(2)), (String) r.get(3),
                (String) r.get(4), instant(r.get(5)));
    }

    private static Instant instant(Object epochMillis) {
        return epochMillis == null ? null : Instant.ofEpochMilli(((Number) epochMillis).longValue());
    }

    private List<Instant> attemptTimes(String address) throws Exception {
        return Sql.rows(relay.database(), "SELECT a.at FROM attempt a JOIN recipient r ON r.id = a.recipient_id "
                + "WHERE r.address = ? ORDER BY a.id", address).stream().map(row -> instant(row.get(0))).toList();
    }

    /** Moves the clock to the recipient's next attempt and waits until that attempt is recorded. */
    private State nextAttempt(String address) throws Exception {
        State before = state(address);
        clock.set(before.next());
        relay.wakeScheduler();
        Await.until(LIMIT, "attempt " + (before.attempts() + 1) + " of " + address,
                () -> {
                    State now = state(address);
                    return now == null || now.attempts() > before.attempts();
                });
        return state(address);
    }

    @Test
    void aGreylistedRecipientIsDeliveredAfterTheGreylistWait() throws Exception {
        try (FakeUpstream up = FakeUpstream.builder()
                .rcptReplies("g@example.com", "451 4.7.1 Greylisted, try again after some time.", "250 2.1.5 Ok").start()) {
            start(Map.of("example.com", "127.0.0.1:" + up.port()));
            send(List.of("g@example.com"));
            Await.until(LIMIT, "first try", () -> state("g@example.com").attempts() == 1);
            State first = state("g@example.com");
            assertEquals("deferred", first.state());
            Duration wait = Duration.between(T0, first.next());
            assertTrue(wait.compareTo(Duration.ofSeconds(306)) >= 0 && wait.compareTo(Duration.ofSeconds(414)) <= 0,
                    "6 min ± 15 %: " + wait);
            assertEquals(0, up.messages().size());

            clock.set(first.next().minusSeconds(1));
            relay.wakeScheduler();
            assertEquals(1, state("g@example.com").attempts(), "not due yet");

            State second = nextAttempt("g@example.com");
            assertEquals("delivered", second.state(), "delivered on the second try");
            assertEquals(0, relay.reader().list(10).total(), "the message has left the active queue");
            assertEquals(1, up.messages().size());
            assertEquals(List.of("g@example.com"), up.messages().get(0).recipients());
        }
    }

    @Test
    void aMailboxOverQuotaForeverExpiresAtTheLifetimeAndAPausedDestinationHoldsNoOnePastIt() throws Exception {
        try (FakeUpstream up = FakeUpstream.builder()
                .rcptReply("q@example.com", "452 4.2.2 The email account that you tried to reach is over quota").start();
             FakeUpstream senders = FakeUpstream.builder().start()) {
            // a second recipient at a destination paused for 30 days (longer than retry.max_pause ever allows)
            start(Map.of("example.com", "127.0.0.1:" + up.port(), "paused.example", "127.0.0.1:1",
                    "example.org", "127.0.0.1:" + senders.port()));
            new Destinations(relay.database()).restrict("127.0.0.1:1", T0, T0.plus(Duration.ofDays(30)), 0, 0,
                    "server_busy: 421 4.7.0 try again in 30 days");
            send(List.of("q@example.com", "p@paused.example"));
            Await.until(LIMIT, "first try", () -> state("q@example.com").attempts() == 1);

            State s = state("q@example.com");
            List<Instant> times = attemptTimes("q@example.com");
            Instant lastClock = T0;
            while (s != null && s.state().equals("deferred")) {
                awaitDealtWithAtTheClock("p@paused.example");
                assertFalse(s.next().isAfter(T0.plus(Duration.ofHours(72))), "no attempt past the lifetime: " + s.next());
                times = attemptTimes("q@example.com");
                State p = state("p@paused.example");
                assertTrue(p.next() == null || !p.next().isAfter(T0.plus(Duration.ofHours(72))),
                        "the paused recipient is due again by its lifetime: " + p.next());
                assertEquals(0, attemptsTo(1), "the paused destination is never connected to");
                lastClock = s.next();
                s = nextAttempt("q@example.com");
            }
            assertTrue(s == null || s.state().equals("expired") && s.status().equals("4.4.7"), "expired: " + s);
            assertEquals(T0.plus(Duration.ofHours(72)), lastClock, "the last attempt uses the lifetime");
            assertTrue(times.contains(T0.plus(Duration.ofHours(4))), "a try at the delay-warning time: " + times);
            assertTrue(times.size() >= 9 && times.size() <= 20, "mailbox_full backoff 1h doubling to 6h: " + times.size());

            // one delay warning and one expiry report per job (the two domains are separate jobs)
            Await.until(LIMIT, "the delay warnings and the expiry reports", () -> senders.messages().size() == 4);
            String all = String.join("\n", senders.messages().stream()
                    .map(m -> new String(m.content(), StandardCharsets.UTF_8)).toList());
            assertEquals(2, count(all, "Action: delayed"), all);
            assertEquals(2, count(all, "Last-Attempt-Date: Mon, 23 Nov 2026 14:00:00 +0000"), "both warned at 4h, paused or not");
            assertEquals(2, count(all, "Status: 4.4.7"), "both expired with 4.4.7");
            assertEquals(2, count(all, "Last-Attempt-Date: Thu, 26 Nov 2026 10:00:00 +0000"), "both at exactly 72h");
            assertTrue(all.contains("Diagnostic-Code: X-Tempfail; 4.7.0 try again in 30 days"), "the paused one quotes its destination's reply: " + all);
            assertTrue(all.contains("Diagnostic-Code: smtp; 452 4.2.2 The email account"), all);
        }
    }

    /**
     * Waits until the scheduler has dealt with {@code address} at the clock's time (the test
     * otherwise waits only for the other recipient), so that what it records and reports, such
     * as its delay warning's Last-Attempt-Date, carries that time and not the next step's.
     */
    private void awaitDealtWithAtTheClock(String address) throws Exception {
        Instant now = clock.instant();
        Await.until(LIMIT, address + " dealt with at " + now, () -> {
            State p = state(address);
            return p == null || !p.state().equals("delivering") && (p.next() == null || p.next().isAfter(now));
        });
    }

    private static int count(String text, String part) {
        return text.split(java.util.regex.Pattern.quote(part), -1).length - 1;
    }

    /** Nothing listens on 127.0.0.1:1; a try there would be recorded with that remote address. */
    private long attemptsTo(int port) throws Exception {
        return Sql.count(relay.database(), "SELECT COUNT(*) FROM attempt WHERE remote_ip LIKE '%:" + port + "'");
    }
}
