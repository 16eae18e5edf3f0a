package dev.tempfail.lab;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each preset through {@code lab run}, end to end on loopback: a real relay with its H2 queue in
 * a temp dir, the scripted receiver, one scaled clock. High time scales keep each run to a few
 * seconds; nothing sleeps for a retry, the scaled clock brings it.
 */
class LabRunTest {
    private static final Duration LIFETIME = Duration.ofHours(72);

    private static LabReport run(String preset, double scale, int messages) throws Exception {
        LabReport r = LabRun.run(LabRun.Options.of(LabScript.preset(preset), scale, messages));
        assertTrue(r.sound(), "the relay itself misbehaved: " + r.problems());
        assertEquals(messages, r.recipients().size());
        return r;
    }

    /**
     * How late the relay may be on a scaled clock: its scheduler, a conversation and a JVM that
     * is still warming up take some real milliseconds, and each is {@code scale} times longer on
     * the lab clock. (Tests that measure minutes run at low scales for that reason.)
     */
    private static Duration slack(double scale) {
        return Duration.ofMillis(Math.round(150 * scale));
    }

    private static Duration between(LabReport.Attempt a, LabReport.Attempt b) {
        return Duration.ofSeconds(b.atS() - a.atS());
    }

    @Test
    void greylistDeliversOnTheSecondAttemptAboutSixMinutesLater() throws Exception {
        double scale = 300;
        LabReport r = run("greylist", scale, 3);
        assertEquals(3, r.totals().delivered());
        for (LabReport.Recipient rc : r.recipients()) {
            assertEquals("delivered", rc.outcome(), rc.toString());
            assertEquals(2, rc.attempts().size(), rc.toString());
            LabReport.Attempt first = rc.attempts().get(0);
            assertEquals("greylisted", first.category());
            assertEquals("deferred", first.state());
            Duration gap = between(first, rc.attempts().get(1));
            // 6 min ± 15 % jitter, never before the 5-minute greylist window has passed
            assertTrue(gap.compareTo(Duration.ofSeconds(306)) >= 0, "not before 6m - 15 %: " + gap);
            assertTrue(gap.compareTo(Duration.ofSeconds(414).plus(slack(scale))) <= 0, "about 6 minutes: " + gap);
        }
        assertEquals(2.0, r.totals().attemptsPerDelivery());
    }

    @Test
    void userUnknownFailsAtOnceWith511() throws Exception {
        LabReport r = run("user-unknown", 1000, 2);
        assertEquals(2, r.totals().failed());
        for (LabReport.Recipient rc : r.recipients()) {
            assertEquals("failed", rc.outcome());
            assertEquals("5.1.1", rc.status());
            assertEquals(1, rc.attempts().size(), "a permanent failure is not retried");
            assertEquals("bad_mailbox", rc.attempts().get(0).category());
            assertTrue(rc.attempts().get(0).reply().startsWith("550 5.1.1 <" + rc.address() + ">"), rc.attempts().get(0).reply());
        }
    }

    @Test
    void dmarcRejectFailsAfterTheContent() throws Exception {
        LabReport r = run("dmarc-reject", 1000, 2);
        for (LabReport.Recipient rc : r.recipients()) {
            assertEquals("failed", rc.outcome());
            assertEquals("5.7.1", rc.status());
            assertEquals(1, rc.attempts().size());
            assertEquals("data", rc.attempts().get(0).stage());
            assertEquals("auth_failure", rc.attempts().get(0).category());
            assertTrue(rc.attempts().get(0).reply().contains("sender.example DMARC policy"), rc.attempts().get(0).reply());
        }
    }

    @Test
    void icloudVolumeIsDeferredOnceThenDelivered() throws Exception {
        LabReport r = run("icloud-volume", 2000, 3);
        assertEquals(3, r.totals().delivered());
        for (LabReport.Recipient rc : r.recipients()) {
            assertEquals(2, rc.attempts().size(), rc.toString());
            LabReport.Attempt first = rc.attempts().get(0);
            assertEquals("rate_limited", first.category());
            assertTrue(first.reply().startsWith("421 4.7.1 Messages to " + rc.address()), first.reply());
            assertTrue(between(first, rc.attempts().get(1)).compareTo(Duration.ofSeconds(765)) >= 0, "15 min - 15 %");
        }
    }

    @Test
    void topOfHourRefusesDuringMinutesZeroToFourOnly() throws Exception {
        LabReport r = run("top-of-hour", 500, 2);
        assertEquals(2, r.totals().delivered());
        boolean sawBusy = false;
        for (LabReport.Recipient rc : r.recipients()) {
            for (LabReport.Attempt a : rc.attempts()) {
                int minute = Instant.parse(a.time()).atZone(ZoneOffset.UTC).getMinute();
                if (a.state().equals("deferred")) {
                    sawBusy = true;
                    assertEquals("server_busy", a.category());
                    assertEquals("mail", a.stage());
                    assertTrue(minute <= 4, "refused only in minutes 0-4: " + a);
                } else {
                    assertTrue(minute > 4 || a.time().compareTo(r.started()) < 0, "accepted outside minutes 0-4: " + a);
                }
            }
        }
        assertTrue(sawBusy, "the clock starts at minute 0, so the first message meets the busy window");
        assertTrue(r.started().contains(":00:00"), "start_minute 0: " + r.started());
    }

    @Test
    void rateLimitSpacesDeliveriesThirtyMinutesApartOnceLearned() throws Exception {
        double scale = 2000;
        LabReport r = run("rate-limit-2h", scale, 4);
        assertEquals(4, r.totals().delivered());
        List<Instant> deliveries = new ArrayList<>();
        Instant firstRefusal = null;
        for (LabReport.Recipient rc : r.recipients()) {
            for (LabReport.Attempt a : rc.attempts()) {
                Instant t = Instant.parse(a.time());
                if (a.state().equals("delivered")) deliveries.add(t);
                else if (firstRefusal == null || t.isBefore(firstRefusal)) firstRefusal = t;
                if (!a.state().equals("delivered")) {
                    assertEquals("rate_limited", a.category());
                    assertTrue(a.retryInS() >= 1800, "(2/h): no retry sooner than 30 minutes: " + a);
                }
            }
        }
        assertNotNull(firstRefusal, "4 messages at once go over 2 an hour");
        deliveries.sort(Comparator.naturalOrder());
        // The relay books its turns exactly 30 minutes apart; the times recorded are when each
        // conversation ended, so two gaps may differ by a conversation's length, and a delivery
        // that ends just after the first refusal was already under way when it came.
        Duration tolerance = Duration.ofMillis(Math.round(20 * scale));
        final Instant learned = firstRefusal.plus(tolerance);
        List<Instant> after = deliveries.stream().filter(t -> t.isAfter(learned)).toList();
        assertFalse(after.isEmpty());
        Instant previous = deliveries.get(deliveries.indexOf(after.get(0)) - 1);
        for (Instant t : after) {
            Duration gap = Duration.between(previous, t);
            assertTrue(gap.plus(tolerance).compareTo(Duration.ofMinutes(30)) >= 0, "deliveries >= 30 min apart: " + deliveries);
            previous = t;
        }
    }

    @Test
    void overQuotaExpiresAtTheLifetimeWith447() throws Exception {
        double scale = 40_000;
        LabReport r = run("over-quota", scale, 2);
        assertEquals(2, r.totals().expired());
        for (LabReport.Recipient rc : r.recipients()) {
            assertEquals("expired", rc.outcome());
            assertEquals("4.4.7", rc.status());
            List<LabReport.Attempt> as = rc.attempts();
            LabReport.Attempt last = as.get(as.size() - 1);
            Duration at = Duration.ofSeconds(last.atS());
            assertTrue(at.compareTo(LIFETIME) >= 0 && at.compareTo(LIFETIME.plus(slack(scale))) <= 0,
                    "the last attempt at the lifetime: " + last.at());
            assertTrue(last.reply().startsWith("452 4.2.2"), "the last reply is kept: " + last.reply());
            assertTrue(as.stream().anyMatch(a -> Math.abs(a.atS() - Duration.ofHours(4).toSeconds()) <= slack(scale).toSeconds()),
                    "an attempt at the delay-warning time (4h)");
            assertTrue(as.size() >= 10 && as.size() <= 20, "mailbox_full: 1h doubling to 6h over 72h: " + as.size());
            for (LabReport.Attempt a : as.subList(0, as.size() - 1)) assertEquals("mailbox_full", a.category());
        }
    }

    @Test
    void icloudReputationIsRetriedUntilItExpires() throws Exception {
        LabReport r = run("icloud-reputation", 40_000, 2);
        assertEquals(2, r.totals().expired());
        for (LabReport.Recipient rc : r.recipients()) {
            assertEquals("4.4.7", rc.status());
            assertEquals("connect", rc.attempts().get(0).stage());
            assertEquals("452 try later", rc.attempts().get(0).reply());
        }
    }

    // The relay's DSNs go to the lab's accept-all mailbox for sender.example and show up in the report.

    @Test
    void overQuotaSendsADelayDsnThenAFailureDsnWith447() throws Exception {
        LabReport r = run("over-quota", 40_000, 1);
        List<LabReport.Dsn> dsns = r.dsns();
        assertEquals(2, dsns.size(), dsns.toString());
        assertEquals("delayed", dsns.get(0).action());
        assertTrue(dsns.get(0).status().startsWith("4."), dsns.get(0).status());
        assertEquals("failed", dsns.get(1).action());
        assertEquals("4.4.7", dsns.get(1).status());
        assertTrue(dsns.get(0).atS() < dsns.get(1).atS(), "the delay DSN comes first");
        assertEquals(LabRun.SENDER, dsns.get(1).to());
        assertEquals("user1@lab.example", dsns.get(1).finalRecipient());
    }

    @Test
    void userUnknownSendsAFailureDsnWith511() throws Exception {
        LabReport r = run("user-unknown", 1000, 1);
        assertEquals(1, r.dsns().size(), r.dsns().toString());
        assertEquals("failed", r.dsns().get(0).action());
        assertEquals("5.1.1", r.dsns().get(0).status());
        assertEquals("user1@lab.example", r.dsns().get(0).finalRecipient());
    }
}
