package dev.tempfail.queue;

import dev.tempfail.testsupport.TestQueues;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Hourly caps from "(N/h)" replies: they hold while the receiver keeps saying so, then lift, in steps, on a test clock. */
class DestinationsTest {
    private static final Instant T0 = Instant.parse("2026-11-23T10:00:00Z");
    private static final String MX = "mx.example.com";
    private static final String REASON = "rate_limited: 450 4.7.1 Temporary delayed by rate limit, try later (2/h)";

    @TempDir Path dir;

    /** Sends at every turn the cap allows from {@code from} to {@code to}; returns how many went out. */
    private static int sendAtEveryTurn(Database db, Destinations d, Instant from, Instant to) throws Exception {
        int sent = 0;
        Instant now = from;
        while (now.isBefore(to)) {
            Instant turn = d.takeTurn(MX, now);
            if (!turn.isAfter(now)) {
                sent++;
                accept(db, d, now);
                now = now.plus(Duration.ofMinutes(1));
            } else {
                now = turn;
            }
        }
        return sent;
    }

    /** The destination took mail: what delivery writes with the try. */
    private static void accept(Database db, Destinations d, Instant now) throws Exception {
        Destinations.Change change = new Destinations.Change(MX, s -> Destinations.accepted(s, now, d.capRelease()));
        try (Connection c = db.connection()) {
            Destinations.write(c, change);
        }
        d.remember(change);
    }

    @Test
    void aCapHoldsWhileTheReceiverRepeatsItThenLiftsInStepsAfterCapReleaseOfQuiet() throws Exception {
        try (Database db = TestQueues.open(dir, 4)) {
            Destinations d = new Destinations(db, Duration.ofHours(1));
            // a whole simulated day in which the receiver says (2/h) again before each step could relax it
            int sent = 0;
            for (int q = 0; q < 24 * 6; q++) {
                Instant at = T0.plus(Duration.ofMinutes(10L * q));
                d.restrict(MX, at, null, 0, 2, REASON);
                sent += sendAtEveryTurn(db, d, at, at.plus(Duration.ofMinutes(10)));
            }
            assertTrue(sent >= 47 && sent <= 49, "2 an hour while the receiver keeps asking: " + sent);

            // then it says nothing more: the cap relaxes each quarter of cap_release and is gone after it
            Instant quiet = T0.plus(Duration.ofMinutes(10L * (24 * 6 - 1)));
            DestinationState s = d.get(MX).orElseThrow();
            assertEquals(2, s.perHourAt(quiet.plus(Duration.ofMinutes(14)), Duration.ofHours(1)));
            assertEquals(4, s.perHourAt(quiet.plus(Duration.ofMinutes(15)), Duration.ofHours(1)));
            assertEquals(8, s.perHourAt(quiet.plus(Duration.ofMinutes(30)), Duration.ofHours(1)));
            assertEquals(16, s.perHourAt(quiet.plus(Duration.ofMinutes(45)), Duration.ofHours(1)));
            assertNull(s.perHourAt(quiet.plus(Duration.ofMinutes(60)), Duration.ofHours(1)), "lifted after cap_release");

            Instant lifted = quiet.plus(Duration.ofHours(1));
            assertEquals(lifted, d.takeTurn(MX, lifted), "no cap");
            assertTrue(d.get(MX).isEmpty(), "the row is gone once nothing is left on it");

            // a second simulated day of sending: nothing holds it back, and a restart finds no cap
            assertEquals(24 * 60, sendAtEveryTurn(db, d, lifted, lifted.plus(Duration.ofDays(1))));
        }
        try (Database db = TestQueues.open(dir, 4)) {
            Destinations restarted = new Destinations(db, Duration.ofHours(1));
            assertTrue(restarted.get(MX).isEmpty(), "still lifted after a restart");
            Instant later = T0.plus(Duration.ofDays(3));
            assertEquals(later, restarted.takeTurn(MX, later));
        }
    }

    @Test
    void theQuietThatLiftsACapIsKeptAcrossARestart() throws Exception {
        try (Database db = TestQueues.open(dir, 4)) {
            new Destinations(db, Duration.ofHours(1)).restrict(MX, T0, null, 0, 2, REASON);
        }
        try (Database db = TestQueues.open(dir, 4)) {
            Destinations d = new Destinations(db, Duration.ofHours(1));
            Instant halfway = T0.plus(Duration.ofMinutes(30));
            assertEquals(halfway, d.takeTurn(MX, halfway));
            assertEquals(halfway.plusSeconds(3600 / 8), d.takeTurn(MX, halfway.plus(Duration.ofMinutes(1))),
                    "8/h half way through the release: the next turn 7.5 minutes on");
            // a reply that pauses without a cap does not restart the cap's quiet
            d.restrict(MX, halfway, halfway.plus(Duration.ofMinutes(5)), 0, 0, "network: 421 4.4.2 timeout");
        }
        try (Database db = TestQueues.open(dir, 4)) {
            Destinations d = new Destinations(db, Duration.ofHours(1));
            Instant after = T0.plus(Duration.ofMinutes(61));
            assertNull(d.get(MX).orElseThrow().perHourAt(after, Duration.ofHours(1)), "lifted at cap_release, restarts or not");
            assertEquals(after, d.takeTurn(MX, after));
            assertEquals(after, d.takeTurn(MX, after), "and it stays lifted");
            accept(db, d, after);
            assertTrue(d.get(MX).isEmpty());
        }
    }

    @Test
    void aNewRateLimitReplyStartsTheQuietAgain() throws Exception {
        try (Database db = TestQueues.open(dir, 4)) {
            Destinations d = new Destinations(db, Duration.ofHours(1));
            d.restrict(MX, T0, null, 0, 2, REASON);
            d.restrict(MX, T0.plus(Duration.ofMinutes(50)), null, 0, 2, REASON);
            assertEquals(2, d.get(MX).orElseThrow().perHourAt(T0.plus(Duration.ofMinutes(61)), Duration.ofHours(1)));
            assertNull(d.get(MX).orElseThrow().perHourAt(T0.plus(Duration.ofMinutes(110)), Duration.ofHours(1)));
        }
    }
}
