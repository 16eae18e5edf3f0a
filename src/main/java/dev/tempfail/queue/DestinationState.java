package dev.tempfail.queue;

import java.time.Instant;

/**
 * How a destination is being treated after what it said: paused until a time, held to fewer
 * connections, or to a number of messages an hour. Null fields mean "no limit of that kind".
 */
public record DestinationState(String name, Instant suspendedUntil, String reason, Integer maxPerHour,
                               Integer maxConnections, Instant nextSendAt, Instant updatedAt) {

    /** The earliest time anything may be sent there, given the pause and the hourly cap. */
    public Instant notBefore() {
        Instant a = suspendedUntil;
        Instant b = maxPerHour == null ? null : nextSendAt;
        if (a == null) return b;
        if (b == null) return a;
        return a.isAfter(b) ? a : b;
    }
}
