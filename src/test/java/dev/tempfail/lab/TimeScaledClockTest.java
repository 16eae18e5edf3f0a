package dev.tempfail.lab;

import dev.tempfail.delivery.DeliveryService;
import dev.tempfail.smtp.SmtpTimeouts;
import dev.tempfail.testsupport.MutableClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class TimeScaledClockTest {
    private static final Instant T0 = Instant.parse("2026-01-05T10:00:00Z");

    @Test
    void runsScaleTimesFasterFromTheRealStart() {
        MutableClock base = new MutableClock(T0);
        TimeScaledClock c = new TimeScaledClock(T0, 1000, base);
        assertEquals(T0, c.instant(), "starts at the real time");
        base.advance(Duration.ofMillis(360));
        assertEquals(T0.plus(Duration.ofMinutes(6)), c.instant(), "360 ms real = 6 scaled minutes at 1000x");
        base.set(T0.plusMillis(259_200));
        assertEquals(T0.plus(Duration.ofHours(72)), c.instant(), "72 h take 259.2 s at 1000x");
        assertEquals(Duration.ofMillis(259_200), c.realDuration(Duration.ofHours(72)));
    }

    @Test
    void aScaledStartShiftsTheClock() {
        MutableClock base = new MutableClock(T0);
        Instant minuteZero = Instant.parse("2026-01-05T11:00:00Z");
        TimeScaledClock c = new TimeScaledClock(T0, minuteZero, 60, base);
        base.advance(Duration.ofSeconds(5));
        assertEquals(minuteZero.plus(Duration.ofMinutes(5)), c.instant());
    }

    @Test
    void aHeldClockStandsStillUntilStarted() {
        MutableClock base = new MutableClock(T0);
        TimeScaledClock c = TimeScaledClock.held(T0, 100, base);
        base.advance(Duration.ofSeconds(30));
        assertEquals(T0, c.instant(), "held");
        c.start();
        base.advance(Duration.ofSeconds(3));
        assertEquals(T0.plus(Duration.ofMinutes(5)), c.instant());
        c.start();
        assertEquals(T0.plus(Duration.ofMinutes(5)), c.instant(), "a second start changes nothing");
    }

    @Test
    void scalesOutsideOneToAMillionAreRefused() {
        MutableClock base = new MutableClock(T0);
        assertThrows(IllegalArgumentException.class, () -> new TimeScaledClock(T0, 0.5, base));
        assertThrows(IllegalArgumentException.class, () -> new TimeScaledClock(T0, Double.NaN, base));
        assertThrows(IllegalArgumentException.class, () -> new TimeScaledClock(T0, 2e6, base));
    }

    @Test
    void deliveryTimingForAScaledClock() {
        DeliveryService.Timing t = DeliveryService.Timing.scaled(1000, SmtpTimeouts.rfc5321());
        assertEquals(Duration.ofMillis(20), t.maxIdle(), "20 scaled seconds");
        assertEquals(SmtpTimeouts.rfc5321(), t.smtpTimeouts(), "socket timeouts stay real");
        DeliveryService.Timing real = DeliveryService.Timing.scaled(1, SmtpTimeouts.rfc5321());
        assertEquals(DeliveryService.DEFAULTS, real, "at 1x the defaults");
        assertEquals(Duration.ofMillis(10), DeliveryService.Timing.scaled(50_000, SmtpTimeouts.rfc5321()).maxIdle(), "a floor of 10 ms");
    }
}
