package dev.tempfail.intake;

import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * Messages (MAIL FROM commands) per client address in a time window, shared by all listeners,
 * as Postfix's anvil counts {@code smtpd_client_message_rate_limit} per
 * {@code anvil_rate_time_unit}: a window opens with an address's first MAIL and closes
 * {@code window} later; within it at most {@code limit} are admitted. Time is the injected
 * clock's; memory is bounded ({@link AddressTable}), and a closed window is forgotten when the
 * address is next seen.
 */
final class MessageRate {
    private record Window(Instant start, int count) {}

    private final int limit;
    private final Duration window;
    private final Clock clock;
    private final AddressTable<Window> byAddress = new AddressTable<>();

    /** @param limit messages per window; {@code 0}: no limit */
    MessageRate(int limit, Duration window, Clock clock) {
        this.limit = limit;
        this.window = window;
        this.clock = clock;
    }

    /** Counts one more message from {@code client}; false (and not counted) if its window is full. */
    synchronized boolean admit(InetAddress client) {
        if (limit == 0) return true;
        Instant now = clock.instant();
        Window w = byAddress.get(client);
        if (w == null || !now.isBefore(w.start().plus(window))) {
            byAddress.put(client, new Window(now, 1));
            return true;
        }
        if (w.count() >= limit) return false;
        byAddress.put(client, new Window(w.start(), w.count() + 1));
        return true;
    }
}
