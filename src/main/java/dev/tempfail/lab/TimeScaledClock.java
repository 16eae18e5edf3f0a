package dev.tempfail.lab;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * A clock that runs {@code scale} times faster than its base clock, from a starting point:
 * {@code instant() = scaledStart + (base.instant() - realStart) * scale}. With the default
 * scaled start (the real start) it shows the real time at first and then races ahead, so a
 * 72-hour retry window plays out in 4.3 minutes at a scale of 1000.
 *
 * <p>The retry lab gives the one instance to the relay and to its fake receiver, so that a
 * 5-minute greylist window and a 6-minute retry wait are measured on the same clock. Only the
 * clock is scaled: socket timeouts and scripted reply delays stay in real time.
 */
public final class TimeScaledClock extends Clock {
    /** The largest scale accepted: beyond it a millisecond of real time is more than 16 scaled minutes. */
    public static final double MAX_SCALE = 1_000_000;

    private volatile Instant realStart;
    private final Instant scaledStart;
    private final double scale;
    private final Clock base;

    public TimeScaledClock(Instant realStart, double scale, Clock base) {
        this(realStart, realStart, scale, base);
    }

    /** As above, but the scaled time starts at {@code scaledStart} (e.g. a minute before the hour). */
    public TimeScaledClock(Instant realStart, Instant scaledStart, double scale, Clock base) {
        this(scale, scaledStart, base);
        this.realStart = java.util.Objects.requireNonNull(realStart, "realStart");
    }

    /** Held: stands at {@code scaledStart} until {@link #start()}. */
    private TimeScaledClock(double scale, Instant scaledStart, Clock base) {
        if (!(scale >= 1 && scale <= MAX_SCALE)) {
            throw new IllegalArgumentException("time scale must be between 1 and " + (long) MAX_SCALE + ": " + scale);
        }
        this.scaledStart = java.util.Objects.requireNonNull(scaledStart, "scaledStart");
        this.scale = scale;
        this.base = java.util.Objects.requireNonNull(base, "base");
    }

    /**
     * A clock that stands at {@code scaledStart} until {@link #start()}: for the lab, which starts
     * a relay and its receivers (seconds of real time, hours of scaled time) before the rehearsal.
     */
    public static TimeScaledClock held(Instant scaledStart, double scale, Clock base) {
        return new TimeScaledClock(scale, scaledStart, base);
    }

    /** Lets a {@link #held} clock run from now on; does nothing to a running one. */
    public synchronized void start() {
        if (realStart == null) realStart = base.instant();
    }

    /** Scaled from now, on the system clock (UTC). */
    public static TimeScaledClock startingNow(double scale) {
        Clock system = Clock.systemUTC();
        return new TimeScaledClock(system.instant(), scale, system);
    }

    /** A scale as the lab prints it: {@code 1000}, {@code 2.5}. */
    public static String format(double scale) {
        return scale == Math.rint(scale) ? Long.toString((long) scale) : Double.toString(scale);
    }

    @Override
    public Instant instant() {
        Instant realStart = this.realStart;
        if (realStart == null) return scaledStart;
        long realNanos = Duration.between(realStart, base.instant()).toNanos();
        return scaledStart.plusNanos(Math.round(realNanos * scale));
    }

    /** How long {@code scaled} lasts in real time. */
    public Duration realDuration(Duration scaled) {
        return Duration.ofNanos(Math.round(scaled.toNanos() / scale));
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        throw new UnsupportedOperationException("the lab clock is UTC");
    }

    @Override
    public String toString() {
        return "TimeScaledClock[" + scale + "x from " + scaledStart + "]";
    }
}
