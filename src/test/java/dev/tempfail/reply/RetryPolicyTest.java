package dev.tempfail.reply;

import dev.tempfail.config.ConfigException;
import dev.tempfail.config.ConfigLoader;
import dev.tempfail.config.RetryConfig;
import dev.tempfail.smtp.SmtpReply;
import dev.tempfail.smtp.Stage;
import dev.tempfail.testsupport.MutableClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RetryPolicyTest {
    private static final Instant ARRIVAL = Instant.parse("2026-03-02T09:00:00Z");
    private static final String GREYLISTED = "451 4.7.1 Greylisted, try again after some time.";
    private static final String OVER_QUOTA = "452 4.2.2 The email account that you tried to reach is over quota";
    private static final String EXCESSIVE_VOLUME =
            "421 4.7.1 Messages to example@icloud.com deferred due to excessive volume. Try again later - https://support.apple.com/en-us/HT204137";
    private static final String TWO_PER_HOUR = "450 4.7.1 Temporary delayed by rate limit for new clients, try later (2/h)";

    @TempDir Path dir;
    private final ReplyClassifier classifier = ReplyClassifier.shipped();

    /** Moves the test's clock (nothing sleeps) on to the next attempt, never back. */
    private static void moveTo(MutableClock clock, Instant t) {
        if (t.isBefore(clock.instant())) throw new AssertionError("time went backwards: " + clock.instant() + " -> " + t);
        clock.set(t);
    }

    private RetryConfig config(String yaml) throws Exception {
        Path f = dir.resolve("tempfail.yaml");
        Files.writeString(f, yaml);
        return ConfigLoader.load(f, Map.of()).retry();
    }

    private RetryConfig noJitter() throws Exception {
        return config("retry:\n  jitter: 0\n");
    }

    private Classification classify(Stage stage, String reply) {
        return classifier.classify(stage, SmtpReply.parse(reply), null);
    }

    /** Feeds the same reply at every attempt until the policy stops retrying; returns every decision. */
    private List<RetryDecision> run(RetryPolicy policy, MutableClock clock, Classification c) {
        List<RetryDecision> out = new ArrayList<>();
        RetryState state = RetryState.arrived(clock.instant());
        for (int i = 0; i < 10_000; i++) {
            RetryDecision d = policy.decide(c, state, clock.instant());
            out.add(d);
            if (!(d.action() instanceof RetryDecision.RetryAt r)) return out;
            moveTo(clock, r.at());
            state = d.next();
        }
        throw new AssertionError("never ended");
    }

    private static List<Duration> delays(List<RetryDecision> decisions) {
        List<Duration> out = new ArrayList<>();
        for (RetryDecision d : decisions) {
            if (d.action() instanceof RetryDecision.RetryAt r) out.add(r.delay());
        }
        return out;
    }

    @Test
    void greylistingWaits6Then15Then30MinutesThenTheDefaultCurve() throws Exception {
        RetryPolicy policy = new RetryPolicy(noJitter(), new Random(1));
        List<Duration> d = delays(run(policy, new MutableClock(ARRIVAL), classify(Stage.RCPT, GREYLISTED)));
        assertEquals(List.of(Duration.ofMinutes(6), Duration.ofMinutes(15), Duration.ofMinutes(30), Duration.ofHours(1),
                Duration.ofHours(2)), d.subList(0, 5));
        assertTrue(d.stream().allMatch(x -> x.compareTo(Duration.ofHours(4)) <= 0), "capped at 4h: " + d);
        assertEquals(Duration.ofHours(4), d.get(7));
    }

    @Test
    void jitterStaysWithin15PercentAndReallyVaries() throws Exception {
        RetryConfig cfg = ConfigLoader.defaults().retry();
        Classification c = classify(Stage.RCPT, GREYLISTED);
        List<Duration> expected = List.of(Duration.ofMinutes(6), Duration.ofMinutes(15), Duration.ofMinutes(30));
        Set<Long> seen = new HashSet<>();
        for (long seed = 0; seed < 500; seed++) {
            RetryPolicy policy = new RetryPolicy(cfg, new SplittableRandom(seed));
            RetryState s = RetryState.arrived(ARRIVAL);
            Instant now = ARRIVAL;
            for (Duration base : expected) {
                RetryDecision d = policy.decide(c, s, now);
                RetryDecision.RetryAt r = assertInstanceOf(RetryDecision.RetryAt.class, d.action());
                long w = r.delay().toSeconds();
                assertTrue(w >= base.toSeconds() * 85 / 100 && w <= base.toSeconds() * 115 / 100,
                        "seed " + seed + ": " + w + "s is more than 15% from " + base);
                assertEquals(now.plus(r.delay()), r.at());
                if (base.equals(expected.get(0))) seen.add(w);
                now = r.at();
                s = d.next();
            }
        }
        assertTrue(seen.size() > 50, "jitter should spread the first wait, got " + seen.size() + " distinct values");
        assertTrue(seen.stream().anyMatch(w -> w < 360) && seen.stream().anyMatch(w -> w > 360), "jitter goes both ways");
    }

    @Test
    void zeroJitterIsExact() throws Exception {
        RetryPolicy policy = new RetryPolicy(noJitter(), new Random(7));
        RetryDecision d = policy.decide(classify(Stage.RCPT, "451 Temporary local problem"), RetryState.arrived(ARRIVAL), ARRIVAL);
        assertEquals(Duration.ofMinutes(15), ((RetryDecision.RetryAt) d.action()).delay());
    }

    @Test
    void lifetimeExpiresWith447AndTheLastAttemptIsAtTheLifetime() throws Exception {
        RetryPolicy policy = new RetryPolicy(ConfigLoader.defaults().retry(), new Random(42));
        MutableClock clock = new MutableClock(ARRIVAL);
        Instant deadline = ARRIVAL.plus(Duration.ofHours(72));
        List<RetryDecision> decisions = run(policy, clock, classify(Stage.RCPT, OVER_QUOTA));

        RetryDecision last = decisions.get(decisions.size() - 1);
        RetryDecision.Expired expired = assertInstanceOf(RetryDecision.Expired.class, last.action());
        assertEquals("4.4.7", expired.status());
        assertEquals(Category.MAILBOX_FULL, expired.category());
        assertEquals(deadline, clock.instant(), "expired at the end of the lifetime, not before and not after");

        RetryDecision.RetryAt beforeLast = (RetryDecision.RetryAt) decisions.get(decisions.size() - 2).action();
        assertEquals(deadline, beforeLast.at(), "the last attempt is placed at arrival + lifetime");
        for (RetryDecision d : decisions) {
            if (d.action() instanceof RetryDecision.RetryAt r) assertFalse(r.at().isAfter(deadline), "scheduled past the lifetime: " + r);
        }
        assertTrue(decisions.size() > 10, "a full lifetime of mailbox_full retries: " + decisions.size());
        // mailbox_full: 1h, 2h, then (around the delay warning at 4h) ..., never more than 6h + 15 %.
        assertTrue(delays(decisions).stream().allMatch(x -> x.toSeconds() <= 6 * 3600 * 115 / 100), delays(decisions).toString());
    }

    @Test
    void aReplyAfterTheLifetimeExpiresAtOnceButAPermanentOneStillFails() throws Exception {
        RetryPolicy policy = new RetryPolicy(ConfigLoader.defaults().retry(), new Random(1));
        RetryState old = new RetryState(ARRIVAL, 20, Category.SERVER_BUSY, 20, true);
        Instant late = ARRIVAL.plus(Duration.ofHours(73));
        assertInstanceOf(RetryDecision.Expired.class, policy.decide(classify(Stage.RCPT, GREYLISTED), old, late).action());
        RetryDecision.Failed f = assertInstanceOf(RetryDecision.Failed.class,
                policy.decide(classify(Stage.RCPT, "550 5.1.1 User unknown"), old, late).action());
        assertEquals(Category.BAD_MAILBOX, f.category());
        assertEquals("5.1.1", f.status());
    }

    @Test
    void delayWarningIsMarkedOnceWhenItFallsDue() throws Exception {
        RetryPolicy policy = new RetryPolicy(ConfigLoader.defaults().retry(), new Random(3));
        MutableClock clock = new MutableClock(ARRIVAL);
        RetryState state = RetryState.arrived(ARRIVAL);
        Classification c = classify(Stage.RCPT, OVER_QUOTA);
        List<Instant> warnedAt = new ArrayList<>();
        while (true) {
            RetryDecision d = policy.decide(c, state, clock.instant());
            if (d.warnDelay()) warnedAt.add(clock.instant());
            if (!(d.action() instanceof RetryDecision.RetryAt r)) break;
            moveTo(clock, r.at());
            state = d.next();
            assertEquals(!warnedAt.isEmpty(), state.delayWarned());
        }
        assertEquals(List.of(ARRIVAL.plus(Duration.ofHours(4))), warnedAt,
                "one warning, at an attempt placed when the 4h delay warning fell due");
    }

    @Test
    void noDelayWarningWhenOff() throws Exception {
        RetryPolicy policy = new RetryPolicy(config("retry:\n  delay_warning: 0\n"), new Random(3));
        assertTrue(run(policy, new MutableClock(ARRIVAL), classify(Stage.RCPT, OVER_QUOTA)).stream().noneMatch(RetryDecision::warnDelay));
    }

    @Test
    void excessiveVolumeThrottlesTheDestination() throws Exception {
        RetryPolicy policy = new RetryPolicy(ConfigLoader.defaults().retry(), new Random(5));
        Classification c = classify(Stage.RCPT, EXCESSIVE_VOLUME);
        assertEquals(Category.RATE_LIMITED, c.category());
        RetryDecision d = policy.decide(c, RetryState.arrived(ARRIVAL), ARRIVAL);
        DestinationEffect e = d.destination().orElseThrow(() -> new AssertionError("no throttle"));
        assertEquals(ARRIVAL.plus(Duration.ofMinutes(15)), e.pauseUntil());
        assertEquals(1, e.maxConnections());
        assertEquals(0, e.maxPerHour());
        assertTrue(e.reason().startsWith("rate_limited: 421 4.7.1"), e.reason());
        RetryDecision.RetryAt r = assertInstanceOf(RetryDecision.RetryAt.class, d.action());
        assertTrue(r.delay().toSeconds() >= 15 * 60 * 85 / 100, r.toString());
    }

    @Test
    void twoPerHourWaitsAtLeast30MinutesAndCapsTheRate() throws Exception {
        Classification c = classify(Stage.DATA, TWO_PER_HOUR);
        RetryConfig cfg = ConfigLoader.defaults().retry();
        for (long seed = 0; seed < 200; seed++) {
            RetryPolicy policy = new RetryPolicy(cfg, new SplittableRandom(seed));
            RetryDecision d = policy.decide(c, RetryState.arrived(ARRIVAL), ARRIVAL);
            Duration wait = ((RetryDecision.RetryAt) d.action()).delay();
            assertTrue(wait.compareTo(Duration.ofMinutes(30)) >= 0 && wait.toSeconds() <= 1800 * 115 / 100, wait.toString());
            DestinationEffect e = d.destination().orElseThrow();
            assertEquals(2, e.maxPerHour());
            assertFalse(e.pauseUntil().isBefore(ARRIVAL.plus(Duration.ofMinutes(30))), "pause at least the hint");
        }
    }

    @Test
    void theReplysOwnWaitIsNeverCutShort() throws Exception {
        Classification c = classify(Stage.RCPT, "451 4.7.1 Greylisted, please try again in 2 hours");
        assertEquals(Duration.ofHours(2), c.waitHint());
        RetryConfig cfg = ConfigLoader.defaults().retry();
        for (long seed = 0; seed < 100; seed++) {
            RetryDecision d = new RetryPolicy(cfg, new SplittableRandom(seed))
                    .decide(c, RetryState.arrived(ARRIVAL), ARRIVAL);
            assertTrue(((RetryDecision.RetryAt) d.action()).delay().compareTo(Duration.ofHours(2)) >= 0);
        }
        // Nor by the delay-warning placement: at 3h, a 2h hint goes past the 4h warning time.
        RetryState s = new RetryState(ARRIVAL, 3, Category.GREYLISTED, 1, false);
        RetryDecision d = new RetryPolicy(noJitter(), new Random(1)).decide(c, s, ARRIVAL.plus(Duration.ofHours(3)));
        assertEquals(ARRIVAL.plus(Duration.ofHours(5)), ((RetryDecision.RetryAt) d.action()).at());
    }

    @Test
    void aRecipientOnlyReplyLeavesTheDestinationAlone() throws Exception {
        RetryPolicy policy = new RetryPolicy(ConfigLoader.defaults().retry(), new Random(5));
        String gmail = "450 4.2.1 The user you are trying to contact is receiving mail at a rate that prevents additional messages from being delivered.";
        Classification rcpt = classify(Stage.RCPT, gmail);
        assertEquals(Category.RATE_LIMITED, rcpt.category());
        assertTrue(policy.decide(rcpt, RetryState.arrived(ARRIVAL), ARRIVAL).destination().isEmpty());
        assertTrue(policy.decide(classify(Stage.DATA, gmail), RetryState.arrived(ARRIVAL), ARRIVAL).destination().isPresent());
    }

    @Test
    void reputationAndNetworkPauseTheDestination() throws Exception {
        RetryPolicy policy = new RetryPolicy(ConfigLoader.defaults().retry(), new Random(5));
        DestinationEffect rep = policy.decide(classify(Stage.CONNECT, "451 4.2.0 192.0.2.1 blocked AUP#CDRBL."),
                RetryState.arrived(ARRIVAL), ARRIVAL).destination().orElseThrow();
        assertEquals(ARRIVAL.plus(Duration.ofMinutes(15)), rep.pauseUntil());
        assertEquals(0, rep.maxConnections());
        DestinationEffect down = policy.decide(classify(Stage.CONNECT, "421 4.4.1 connect to mx.example.org[192.0.2.1]:25: Connection refused"),
                RetryState.arrived(ARRIVAL), ARRIVAL).destination().orElseThrow();
        assertEquals(ARRIVAL.plus(Duration.ofMinutes(5)), down.pauseUntil());
        assertTrue(policy.decide(classify(Stage.RCPT, GREYLISTED), RetryState.arrived(ARRIVAL), ARRIVAL).destination().isEmpty());
    }

    @Test
    void tooManyRecipientsIsRetriedAtOnceInANewTransactionOnlyOnce() throws Exception {
        RetryPolicy policy = new RetryPolicy(noJitter(), new Random(1));
        Classification c = classify(Stage.RCPT, "452 4.5.3 Error: too many recipients");
        RetryDecision first = policy.decide(c, RetryState.arrived(ARRIVAL), ARRIVAL);
        assertEquals(new RetryDecision.RetryAt(ARRIVAL, Duration.ZERO, true), first.action());
        RetryDecision second = policy.decide(c, first.next(), ARRIVAL);
        assertEquals(new RetryDecision.RetryAt(ARRIVAL.plus(Duration.ofMinutes(15)), Duration.ofMinutes(15), false), second.action());
    }

    @Test
    void aNewCategoryStartsItsOwnCurve() throws Exception {
        RetryPolicy policy = new RetryPolicy(noJitter(), new Random(1));
        Classification grey = classify(Stage.RCPT, GREYLISTED);
        RetryState s = RetryState.arrived(ARRIVAL);
        for (int i = 0; i < 3; i++) s = policy.decide(grey, s, ARRIVAL).next();
        assertEquals(3, s.streak());
        assertEquals(3, s.attempts());
        RetryDecision busy = policy.decide(classify(Stage.RCPT, "451 Temporary local problem"), s, ARRIVAL);
        assertEquals(Duration.ofMinutes(15), ((RetryDecision.RetryAt) busy.action()).delay());
        assertEquals(Category.SERVER_BUSY, busy.next().category());
        assertEquals(1, busy.next().streak());
    }

    @Test
    void deliveredAndPermanentEndTheRecipient() throws Exception {
        RetryPolicy policy = new RetryPolicy(ConfigLoader.defaults().retry(), new Random(1));
        RetryDecision ok = policy.decide(classify(Stage.DATA, "250 2.0.0 Ok"), RetryState.arrived(ARRIVAL), ARRIVAL);
        assertEquals(new RetryDecision.Delivered(), ok.action());
        assertEquals(1, ok.next().attempts());
        RetryDecision bad = policy.decide(classify(Stage.RCPT, "554 5.7.1 <a@example.org>: Relay access denied"),
                RetryState.arrived(ARRIVAL), ARRIVAL);
        assertEquals(new RetryDecision.Failed(Category.RELAY_DENIED, "5.7.1"), bad.action());
        assertFalse(bad.warnDelay());
        assertTrue(bad.destination().isEmpty());
    }

    @Test
    void backoffIsConfigurablePerCategory() throws Exception {
        RetryConfig cfg = config("""
                retry:
                  jitter: 0
                  backoff:
                    greylisted: {waits: [1m, 2m], factor: 3, max: 10m}
                """);
        assertEquals(List.of(Duration.ofMinutes(1), Duration.ofMinutes(2)), cfg.backoff().get("greylisted").waits());
        assertEquals(Duration.ofMinutes(10), cfg.backoff().get("greylisted").max(), "max overridden");
        assertEquals(List.of(Duration.ofMinutes(15)), cfg.backoff().get("server_busy").waits(), "others keep their defaults");
        List<Duration> d = delays(run(new RetryPolicy(cfg, new Random(1)), new MutableClock(ARRIVAL), classify(Stage.RCPT, GREYLISTED)));
        assertEquals(List.of(Duration.ofMinutes(1), Duration.ofMinutes(2), Duration.ofMinutes(6), Duration.ofMinutes(10),
                Duration.ofMinutes(10)), d.subList(0, 5));
    }

    @Test
    void environmentOverridesABackoffKey() {
        RetryConfig cfg = ConfigLoader.load(null, Map.of("TEMPFAIL_RETRY_BACKOFF_RATE_LIMITED_WAITS", "20m,40m")).retry();
        assertEquals(List.of(Duration.ofMinutes(20), Duration.ofMinutes(40)), cfg.backoff().get("rate_limited").waits());
    }

    @Test
    void defaultsMatchTheDocumentedTable() {
        RetryConfig cfg = ConfigLoader.defaults().retry();
        assertEquals(Duration.ofHours(72), cfg.lifetime());
        assertEquals(Duration.ofHours(4), cfg.delayWarning());
        assertEquals(15, cfg.jitterPercent());
        assertEquals(Category.values().length, cfg.backoff().size(), "one backoff line per category");
        RetryConfig.Backoff full = cfg.backoff().get("mailbox_full");
        assertEquals(List.of(Duration.ofHours(1)), full.waits());
        assertEquals(Duration.ofHours(6), full.max());
        assertEquals(Duration.ofHours(2), cfg.backoff().get("network").max());
        assertEquals(Duration.ofMinutes(30), cfg.backoff().get("reputation").waits().get(0));
        assertEquals(Duration.ofMinutes(15), cfg.backoff().get("reputation").pause());
        assertEquals(1, cfg.backoff().get("rate_limited").connections());
    }

    @Test
    void badBackoffValuesStopStartUpWithTheKey() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> config("retry:\n  backoff:\n    greylisted: {waits: [6m, soon]}\n"));
        assertEquals("retry.backoff.greylisted.waits", e.key());
        assertEquals("retry.backoff.network.factor", assertThrows(ConfigException.class,
                () -> config("retry:\n  backoff:\n    network: {factor: 0.5}\n")).key());
        assertEquals("retry.backoff.network.max", assertThrows(ConfigException.class,
                () -> config("retry:\n  backoff:\n    network: {max: 1m}\n")).key());
        assertEquals("retry.backoff.sunny", assertThrows(ConfigException.class,
                () -> config("retry:\n  backoff:\n    sunny: {waits: [1m]}\n")).key());
        assertEquals("retry.jitter", assertThrows(ConfigException.class, () -> config("retry:\n  jitter: 80\n")).key());
    }

    @Test
    void aReplyAskingForThirtyDaysIsCutToMaxWaitHintAndThePauseToMaxPause() throws Exception {
        RetryPolicy policy = new RetryPolicy(config("retry:\n  jitter: 15\n"), new SplittableRandom(7));
        Classification c = classify(Stage.CONNECT, "421 4.7.0 try again in 30 days");
        assertEquals(Duration.ofDays(30), c.waitHint(), "the classifier keeps what the reply said");
        MutableClock clock = new MutableClock(ARRIVAL);
        List<RetryDecision> all = run(policy, clock, c);
        for (RetryDecision d : all) {
            DestinationEffect e = d.destination().orElseThrow();
            assertTrue(e.pauseUntil() != null, "a wait asked of the whole destination pauses it");
            assertEquals(Duration.ofDays(30), d.cutHint(), "the decision says the hint was cut");
            if (d.action() instanceof RetryDecision.RetryAt r) {
                assertTrue(r.delay().compareTo(Duration.ofHours(4)) <= 0, "no wait past retry.max_wait_hint: " + r.delay());
            }
        }
        RetryDecision first = all.get(0);
        assertEquals(ARRIVAL.plus(Duration.ofHours(4)), first.destination().orElseThrow().pauseUntil(), "retry.max_pause");
        assertTrue(all.get(1).warnDelay(), "the delay warning at 4h, on time");
        assertInstanceOf(RetryDecision.Expired.class, all.get(all.size() - 1).action());
        assertEquals(Duration.ofHours(72), Duration.between(ARRIVAL, clock.instant()), "expired at exactly the lifetime");
        assertEquals(Duration.ofHours(4), policy.firstWait(c), "classify shows the cut wait");
    }

    @Test
    void maxPauseBoundsEveryCategorysPauseAndZeroMeansNoPause() throws Exception {
        RetryPolicy short_ = new RetryPolicy(config("retry:\n  jitter: 0\n  max_pause: 10m\n"), new Random(1));
        Classification volume = classify(Stage.RCPT, EXCESSIVE_VOLUME);
        DestinationEffect e = short_.decide(volume, RetryState.arrived(ARRIVAL), ARRIVAL).destination().orElseThrow();
        assertEquals(ARRIVAL.plus(Duration.ofMinutes(10)), e.pauseUntil(), "rate_limited's 15m pause, bounded to 10m");
        RetryPolicy none = new RetryPolicy(config("retry:\n  jitter: 0\n  max_pause: 0\n"), new Random(1));
        DestinationEffect n = none.decide(volume, RetryState.arrived(ARRIVAL), ARRIVAL).destination().orElseThrow();
        assertEquals(null, n.pauseUntil(), "max_pause 0: never a pause, the connection limit stays");
        assertEquals(1, n.maxConnections());
    }

    @Test
    void aHeldRecipientComesBackForItsDelayWarningAndItsLifetimeWhateverThePause() throws Exception {
        RetryPolicy policy = new RetryPolicy(noJitter(), new Random(1));
        RetryState fresh = RetryState.arrived(ARRIVAL);
        Instant farPause = ARRIVAL.plus(Duration.ofDays(30));
        assertEquals(ARRIVAL.plus(Duration.ofHours(4)), policy.heldUntil(fresh, farPause), "the delay warning first");
        RetryState warned = new RetryState(ARRIVAL, 3, Category.SERVER_BUSY, 3, true);
        assertEquals(ARRIVAL.plus(Duration.ofHours(72)), policy.heldUntil(warned, farPause), "then the lifetime");
        assertEquals(ARRIVAL.plus(Duration.ofHours(1)), policy.heldUntil(fresh, ARRIVAL.plus(Duration.ofHours(1))),
                "a pause that ends sooner");
        assertFalse(policy.dueWhileHeld(fresh, ARRIVAL.plus(Duration.ofHours(3))));
        assertTrue(policy.dueWhileHeld(fresh, ARRIVAL.plus(Duration.ofHours(4))));
        assertTrue(policy.dueWhileHeld(warned, ARRIVAL.plus(Duration.ofHours(72))));
    }

    @Test
    void boundsAreValidated() throws Exception {
        assertThrows(ConfigException.class, () -> config("retry:\n  max_wait_hint: 0\n"));
        assertThrows(ConfigException.class, () -> config("retry:\n  cap_release: 0\n"));
    }
}
