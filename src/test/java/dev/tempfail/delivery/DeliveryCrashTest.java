package dev.tempfail.delivery;

import dev.tempfail.testsupport.Await;
import dev.tempfail.testsupport.ChildRelay;
import dev.tempfail.testsupport.FakeUpstream;
import dev.tempfail.testsupport.SmtpTestClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code serve} killed with SIGKILL in the middle of delivering: after a restart every
 * recipient is delivered at least once (at-least-once: a message whose final dot was answered
 * after the kill comes again), and none is lost.
 */
class DeliveryCrashTest {
    private static final int MESSAGES = 100;
    private static final int WORKERS = 4;
    private static final int HELD_AFTER = 20;

    @TempDir Path dir;

    @Test
    void everyRecipientIsDeliveredAtLeastOnceAcrossAKill() throws Exception {
        // The upstream answers the first HELD_AFTER messages, then records each later one and holds
        // its 250: the kill then finds every worker mid-try ("maybe delivered") however fast or
        // slow the machine is, and the restart finds the rest still queued.
        try (FakeUpstream up = FakeUpstream.builder().holdRepliesAfter(HELD_AFTER).start()) {
            Map<String, String> env = Map.of("TEMPFAIL_DELIVERY_ROUTES", "{example.com: '127.0.0.1:" + up.port() + "'}",
                    "TEMPFAIL_DELIVERY_WORKERS", "" + WORKERS);
            ChildRelay first = ChildRelay.start(dir.resolve("queue"), dir.resolve("serve.log"), env);
            try {
                try (SmtpTestClient c = SmtpTestClient.greeted(first.smtpPort())) {
                    for (int i = 0; i < MESSAGES; i++) {
                        String content = "Subject: crash " + i + "\r\n\r\nx\r\n";
                        assertTrue(c.transaction("s@example.org", List.of("r" + i + "@example.com"), content).startsWith("250 "));
                    }
                }
                Await.until(Duration.ofSeconds(60), "some deliveries before the kill", () -> up.messages().size() > HELD_AFTER);
            } finally {
                first.kill();
            }
            int beforeRestart = up.messages().size();
            assertTrue(beforeRestart <= HELD_AFTER + WORKERS, "at most one held try per worker: " + beforeRestart);
            up.releaseHeld();

            try (ChildRelay second = ChildRelay.start(dir.resolve("queue"), dir.resolve("serve.log"), env)) {
                Await.until(Duration.ofSeconds(60), "every message delivered", () -> up.subjectCounts().size() == MESSAGES);
                Await.until(Duration.ofSeconds(30), "queue empty", () -> second.queueTotal() == 0);
            }
            Map<String, Integer> counts = up.subjectCounts();
            int duplicates = up.messages().size() - counts.size();
            System.out.printf("delivery crash test: %d messages, %d delivered before the kill, %d duplicate(s) after%n",
                    MESSAGES, beforeRestart, duplicates);
            assertEquals(MESSAGES, counts.size(), "none lost");
            assertTrue(duplicates <= WORKERS, "duplicates only for tries in flight at the kill: " + duplicates);
        }
    }

}
