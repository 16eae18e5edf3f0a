package dev.tempfail.queue;

import java.time.Duration;
import java.time.Instant;

/**
 * How a destination is being treated after what it said: paused until a time, held to fewer
 * connections, or to a number of messages an hour. Null fields mean "no limit of that kind".
 *
 * @param maxPerHour the hourly cap a reply set ("(2/h)"); it relaxes with quiet ({@link #perHourAt})
 * @param updatedAt  when a reply last restricted the destination: the quiet that relaxes a cap counts from here
 */
public record DestinationState(String name, Instant suspendedUntil, String reason, Integer maxPerHour,
                               Integer maxConnections, Instant nextSendAt, Instant updatedAt) {
    /** An hourly cap doubles this many times, a step each quarter of the release time, before it is lifted. */
    static final int RELEASE_STEPS = 4;

    /**
     * The hourly cap in force at {@code now}: the reply's cap, doubled at each quarter of
     * {@code release} without another restricting reply, and lifted (null) once {@code release}
     * has passed, as KumoMTA's shaping automation lets a rule lapse after its duration and
     * Postfix's dead-destination marks time out; in steps, so that a receiver that was
     * overwhelmed is not hit with the full rate at once.
     */
    public Integer perHourAt(Instant now, Duration release) {
        if (maxPerHour == null) return null;
        long quiet = Duration.between(updatedAt, now).toMillis();
        long step = Math.max(1, release.toMillis() / RELEASE_STEPS);
        long steps = quiet <= 0 ? 0 : quiet / step;
        if (steps >= RELEASE_STEPS) return null;
        return (int) Math.min(3600, (long) maxPerHour << steps);
    }
}
