package dev.tempfail.events;

import dev.tempfail.queue.Attempt;
import dev.tempfail.queue.Leased;
import dev.tempfail.queue.RecipientState;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Which events a try calls for, and the sender's backoff. */
class DeliveryEventsTest {
    private static final Instant T = Instant.parse("2026-12-01T10:00:00Z");

    private static Leased leased(String lastCategory, int attempts) {
        return new Leased(1, 1, "Q1", "r@example.com", "example.com", null, null, attempts, lastCategory,
                lastCategory == null ? 0 : 1, T.minusSeconds(600), null, 7);
    }

    private static Attempt deferred(String category, boolean delayWarning) {
        return new Attempt(T, "mx", "192.0.2.1:25", "rcpt", 450, "4.2.0", "later", "transient", category, 1,
                RecipientState.DEFERRED, T.plusSeconds(360), delayWarning);
    }

    @Test
    void aDeferralIsAnEventOnlyWhenItIsNew() {
        assertEquals(List.of("deferred"), DeliveryEvents.kinds(leased(null, 0), deferred("greylisted", false)));
        assertEquals(List.of(), DeliveryEvents.kinds(leased("greylisted", 1), deferred("greylisted", false)));
        assertEquals(List.of("deferred"), DeliveryEvents.kinds(leased("greylisted", 2), deferred("mailbox_full", false)));
        assertEquals(List.of("delayed"), DeliveryEvents.kinds(leased("greylisted", 3), deferred("greylisted", true)));
    }

    @Test
    void finalOutcomesAreAlwaysEvents() {
        Attempt bounced = new Attempt(T, "mx", null, "rcpt", 550, "5.1.1", "no such user", "permanent", "bad_mailbox", 0,
                RecipientState.FAILED, null, false);
        assertEquals(List.of("bounced"), DeliveryEvents.kinds(leased("bad_mailbox", 1), bounced));
        Attempt delivered = new Attempt(T, "mx", null, "data", 250, "2.0.0", "ok", "delivered", null, 0,
                RecipientState.DELIVERED, null, false);
        assertEquals(List.of("delivered"), DeliveryEvents.kinds(leased("greylisted", 4), delivered));
    }

    @Test
    void noWebhookNoEvents() {
        assertEquals(List.of(), new DeliveryEvents(false).about(List.of(leased(null, 0)), List.of(deferred("x", false)), "none"));
    }

    @Test
    void backoffDoublesFrom30SecondsToAnHour() {
        assertEquals(Duration.ofSeconds(30), WebhookSender.backoff(1));
        assertEquals(Duration.ofMinutes(1), WebhookSender.backoff(2));
        assertEquals(Duration.ofMinutes(4), WebhookSender.backoff(4));
        assertEquals(Duration.ofHours(1), WebhookSender.backoff(30));
    }
}
