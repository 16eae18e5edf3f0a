package dev.tempfail.lab;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

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
    private static final Duration WARNING = Duration.ofHours(4);

    private static LabReport run(String preset, double scale, int messages) throws Exception {
        LabReport r = LabRun.run(LabRun.Options.of(LabScript.preset(preset), scale, messages));
        assertTrue(r.sound(), "the relay itself misbehaved: " + r.problems());
        assertEquals(messages, r.recipients().size());
        return r;
    }

    /**
     * When the relay booked the attempt after {@code a}: its time plus the wait it chose. Exact
     * however busy the machine is (the report keeps the wait in whole seconds, hence the second
     * it may be short by), unlike the time that attempt then happens, which is late by the real
     * time the relay and the machine take, {@code scale} times over on the lab clock.
     */
    private static Instant booked(LabReport.Attempt a) {
        assertNotNull(a.retryInS(), "a deferred attempt books the next one: " + a);
        return Instant.parse(a.time()).plusSeconds(a.retryInS());
    }

    /** Whether {@code t} is {@code target}, but for the fraction of a second {@link #booked} drops. */
    private static boolean sameSecond(Instant t, Instant target) {
        return !t.isAfter(target) && t.isAfter(target.minusSeconds(1));
    }

    private static Duration between(LabReport.Attempt a, LabReport.Attempt b) {
        return Duration.ofSeconds(b.atS() - a.atS());
    }

    @Test
    void greylistDeliversOnTheSecondAttemptAboutSixMinutesLater() throws Exception {
        LabReport r = run("greylist", 300, 3);
        assertEquals(3, r.totals().delivered());
        for (LabReport.Recipient rc : r.recipients()) {
            assertEquals("delivered", rc.outcome(), rc.toString());
            assertEquals(2, rc.attempts().size(), rc.toString());
            LabReport.Attempt first = rc.attempts().get(0);
            assertEquals("greylisted", first.category());
            assertEquals("deferred", first.state());
            // booked 6 min ± 15 % later; tried no sooner, so never before the 5-minute greylist window has passed
            assertTrue(first.retryInS() >= 306 && first.retryInS() <= 414, "6 minutes ± 15 %: " + first);
            Duration gap = between(first, rc.attempts().get(1));
            assertTrue(gap.toSeconds() >= first.retryInS(), "not before its booked time: " + gap + " " + first);
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
        // 100x: the busy window is 3 s of real time, in which the first message must reach MAIL
        ReceiverLog log = new ReceiverLog();
        LabReport r = LabRun.run(LabRun.Options.of(LabScript.preset("top-of-hour"), 100, 2), log);
        assertTrue(r.sound(), "the relay itself misbehaved: " + r.problems());
        assertEquals(2, r.totals().delivered());
        assertTrue(r.started().contains(":00:00"), "start_minute 0: " + r.started());
        for (LabReport.Recipient rc : r.recipients()) {
            for (LabReport.Attempt a : rc.attempts()) {
                if (a.state().equals("deferred")) {
                    assertEquals("server_busy", a.category());
                    assertEquals("mail", a.stage());
                }
            }
        }
        // The receiver decides on its clock between reading MAIL and sending the reply, both in its log; the
        // attempt's own time is when the relay had finished, minutes later on a busy machine.
        boolean sawBusy = false;
        List<ReceiverLog.Entry> entries = log.entries();
        for (int i = 0; i < entries.size(); i++) {
            ReceiverLog.Entry mail = entries.get(i);
            if (mail.direction() != '>' || !mail.line().toUpperCase(Locale.ROOT).startsWith("MAIL FROM")) continue;
            ReceiverLog.Entry reply = entries.stream().skip(i + 1)
                    .filter(e -> e.session() == mail.session() && e.direction() == '<').findFirst().orElseThrow();
            boolean busy = reply.line().startsWith("451");
            sawBusy |= busy;
            List<Integer> minutes = minutesOfHour(mail.at(), reply.at());
            boolean inWindow = minutes.stream().anyMatch(m -> m <= 4), outside = minutes.stream().anyMatch(m -> m > 4);
            assertTrue(busy ? inWindow : outside, (busy ? "refused only in minutes 0-4: " : "accepted outside minutes 0-4: ")
                    + mail + " / " + reply);
        }
        assertTrue(sawBusy, "the clock starts at minute 0, so the first message meets the busy window: " + log.text());
    }

    /** The minutes of the hour that the span from {@code from} to {@code to} touches. */
    private static List<Integer> minutesOfHour(Instant from, Instant to) {
        List<Integer> out = new ArrayList<>();
        for (Instant t = from.truncatedTo(ChronoUnit.MINUTES); !t.isAfter(to); t = t.plus(Duration.ofMinutes(1))) {
            out.add(t.atZone(ZoneOffset.UTC).getMinute());
        }
        return out;
    }

    @Test
    void rateLimitSpacesDeliveriesThirtyMinutesApartOnceLearned() throws Exception {
        LabReport r = run("rate-limit-2h", 2000, 4);
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
        // The relay's own bookings, not the times conversations ended (those are late by however long
        // the machine takes, 2000 times over). A turn's row keeps the time the cap was last set
        // (its quiet, retry.cap_release, counts from there), and books the next turn: 30 minutes on
        // while the (2/h) cap holds, then 15, 7.5, 3.75 as it relaxes with quiet. So no turn is
        // booked sooner than 30 minutes after the first refusal, and bookings never bunch up.
        List<LabReport.Turn> turns = r.turns();
        assertFalse(turns.isEmpty(), "the relay learned the rate from the refusal and sent on turns");
        for (int i = 0; i < turns.size(); i++) {
            Instant next = Instant.parse(turns.get(i).next());
            assertFalse(next.isBefore(firstRefusal.plus(Duration.ofMinutes(30))),
                    "2/h: nothing booked sooner than 30 min after the first refusal at " + firstRefusal + ": " + turns);
            assertFalse(Duration.between(Instant.parse(turns.get(i).time()), next).compareTo(Duration.ofMinutes(30)) < 0,
                    "a booking is at least 30 min after the cap was set: " + turns);
            if (i > 0) {
                assertFalse(Duration.between(Instant.parse(turns.get(i - 1).next()), next).compareTo(Duration.ofSeconds(225)) < 0,
                        "at most 16/h even once relaxed: " + turns);
            }
        }
        // The receiver takes 2 in an hour before it first refuses; every delivery after those went on a turn
        // of its own, taken before it ended.
        assertTrue(turns.size() >= deliveries.size() - 2, "a turn for each delivery once learned: " + turns + " " + deliveries);
        for (int j = 0; j + 2 < deliveries.size(); j++) {
            assertFalse(deliveries.get(j + 2).isBefore(Instant.parse(turns.get(j).time())),
                    "delivery " + (j + 3) + " on a turn: " + turns + " " + deliveries);
        }
    }

    @Test
    void overQuotaExpiresAtTheLifetimeWith447() throws Exception {
        LabReport r = run("over-quota", 40_000, 2);
        assertEquals(2, r.totals().expired());
        for (LabReport.Recipient rc : r.recipients()) {
            assertEquals("expired", rc.outcome());
            assertEquals("4.4.7", rc.status());
            Instant arrived = Instant.parse(rc.arrived());
            Instant warning = arrived.plus(WARNING);
            Instant deadline = arrived.plus(LIFETIME);
            List<LabReport.Attempt> as = rc.attempts();
            LabReport.Attempt last = as.get(as.size() - 1);
            // What the relay booked is exact; when it then tried is late by the machine's speed (1 ms real is
            // 40 s here), so the tries are held to "not before" their booked times, never to "about".
            assertFalse(Instant.parse(last.time()).isBefore(deadline), "expired at the lifetime, not before: " + last);
            assertTrue(last.reply().startsWith("452 4.2.2"), "the last reply is kept: " + last.reply());
            assertTrue(as.size() <= 20, "mailbox_full: 1h doubling to 6h over 72h: " + as.size());
            for (int i = 0; i < as.size() - 1; i++) {
                LabReport.Attempt a = as.get(i);
                assertEquals("mailbox_full", a.category());
                assertEquals("deferred", a.state());
                Instant next = booked(a);
                if (i > 0) assertFalse(Instant.parse(a.time()).isBefore(booked(as.get(i - 1))), "not before its booked time: " + a);
                assertFalse(next.isAfter(deadline), "no attempt booked past the lifetime: " + a);
                boolean beforeWarning = Instant.parse(a.time()).isBefore(warning);
                // so the wait that would cross 4h is cut to end there: an attempt at the delay-warning time
                if (beforeWarning) assertFalse(next.isAfter(warning), "no wait crosses the delay-warning time (4h): " + a);
                // the run-th wait: 1h, 2h, 4h, then 6h, each ± 15 %; or cut short at the warning time or the lifetime
                long center = Math.min(Duration.ofHours(6).toSeconds(), Duration.ofHours(1).toSeconds() << Math.min(i, 3));
                boolean onCurve = a.retryInS() >= Math.ceil(center * 0.85) && a.retryInS() <= Math.floor(center * 1.15);
                assertTrue(onCurve || sameSecond(next, warning) || sameSecond(next, deadline),
                        "wait " + (i + 1) + " on the curve (" + center + " s ± 15 %) or cut short: " + a);
            }
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
