package dev.tempfail.delivery;

import dev.tempfail.Relay;
import dev.tempfail.smtp.SmtpTimeouts;
import dev.tempfail.testsupport.Await;
import dev.tempfail.testsupport.FakeUpstream;
import dev.tempfail.testsupport.MutableClock;
import dev.tempfail.testsupport.RawServer;
import dev.tempfail.testsupport.SmtpTestClient;
import dev.tempfail.testsupport.TestRelays;
import dev.tempfail.testsupport.Sql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A destination that accepts connections and never answers, with more work queued for it than
 * the scheduler's whole in-memory budget, beside a healthy one: the healthy one's mail goes out
 * at once. (Before the per-domain share, the dead destination's jobs filled the budget and the
 * healthy mail waited for the dead one's greeting timeout.)
 */
class FairSchedulingTest {
    private static final int WORKERS = 4; // budget: 4 x 50 = 200 recipients in memory
    private static final int DEAD_MESSAGES = 240;
    private static final Instant T0 = Instant.parse("2026-03-02T10:00:00Z");

    @TempDir Path dir;

    @Test
    void aDeadDestinationWithMoreWorkThanTheBudgetDoesNotDelayAHealthyOne() throws Exception {
        try (RawServer dead = RawServer.start(conversation -> conversation.hold());
             FakeUpstream healthy = FakeUpstream.builder().start()) {
            var config = TestRelays.config(dir, Map.of("TEMPFAIL_DELIVERY_ENABLED", "true",
                    "TEMPFAIL_QUEUE_FSYNC", "false",
                    "TEMPFAIL_DELIVERY_ROUTES", "{dead.example: '127.0.0.1:" + dead.port() + "', "
                            + "good.example: '127.0.0.1:" + healthy.port() + "'}",
                    "TEMPFAIL_DELIVERY_WORKERS", String.valueOf(WORKERS), "TEMPFAIL_DELIVERY_PER_DESTINATION", "2"));
            // the silent host's greeting timeout is far longer than anything this test waits for
            var timing = new DeliveryService.Timing(Duration.ofMillis(100), SmtpTimeouts.uniform(Duration.ofMinutes(5)),
                    Clock.systemUTC());
            // The relay's clock stands still: whatever it postpones (a domain past its share waits
            // OVERFLOW_WAIT, a retry its backoff) never falls due, so the healthy mail arriving proves
            // it went at once, however slowly a busy machine then carries it out.
            try (Relay relay = Relay.start(config, new MutableClock(T0), timing)) {
                ExecutorService clients = Executors.newFixedThreadPool(8);
                try {
                    List<Future<String>> sent = new ArrayList<>();
                    for (int i = 0; i < DEAD_MESSAGES; i++) {
                        String rcpt = "r" + i + "@dead.example";
                        sent.add(clients.submit(() -> send(relay, rcpt)));
                    }
                    for (Future<String> f : sent) assertTrue(f.get().startsWith("250 "), f.get());
                } finally {
                    clients.shutdownNow();
                }
                Await.until(Duration.ofSeconds(30), "the dead destination's lane is full",
                        () -> dead.connections() == 2 && leased(relay) > 0);

                String reply = send(relay, "someone@good.example");
                assertTrue(reply.startsWith("250 "), reply);
                Await.until(Duration.ofSeconds(30), "the healthy destination got its mail, its relay clock standing",
                        () -> healthy.messages().size() == 1);
                assertEquals(2, dead.connections(), "at most per_destination connections to the dead destination");
                assertTrue(leased(relay) <= 100, "the dead destination holds at most half the budget: " + leased(relay));
            }
        }
    }

    private static String send(Relay relay, String rcpt) throws Exception {
        return SmtpTestClient.sendMail(relay.smtpPort(), "s@example.org",
                List.of(rcpt), "Subject: to " + rcpt + "\r\n\r\nbody\r\n");
    }

    private static long leased(Relay relay) throws Exception {
        return Sql.count(relay.database(), "SELECT COUNT(*) FROM recipient WHERE state = 'delivering' AND domain = 'dead.example'");
    }
}
