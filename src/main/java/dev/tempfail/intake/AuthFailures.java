package dev.tempfail.intake;

import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * Failed logins per client address, shared by all listeners: after {@code maxFailures}
 * failures, each within {@code lockout} of the one before, the address is refused until
 * {@code lockout} has passed since its last failure. Memory is bounded ({@link AddressTable}).
 */
final class AuthFailures {
    private record Failures(int count, Instant last) {}

    private final int maxFailures;
    private final Duration lockout;
    private final Clock clock;
    private final AddressTable<Failures> byAddress = new AddressTable<>();

    AuthFailures(int maxFailures, Duration lockout, Clock clock) {
        this.maxFailures = maxFailures;
        this.lockout = lockout;
        this.clock = clock;
    }

    synchronized boolean lockedOut(InetAddress client) {
        Failures f = current(client);
        return f != null && f.count() >= maxFailures;
    }

    /** Counts a failure; returns how many there now are in a row. */
    synchronized int failed(InetAddress client) {
        Failures f = current(client);
        int count = f == null ? 1 : f.count() + 1;
        byAddress.put(client, new Failures(count, clock.instant()));
        return count;
    }

    synchronized void succeeded(InetAddress client) {
        byAddress.remove(client);
    }

    private Failures current(InetAddress client) {
        Failures f = byAddress.get(client);
        if (f != null && !clock.instant().isBefore(f.last().plus(lockout))) {
            byAddress.remove(client);
            return null;
        }
        return f;
    }
}
