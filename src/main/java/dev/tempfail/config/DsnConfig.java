package dev.tempfail.config;

import java.util.Optional;

/**
 * Delivery status notifications: how much of a message a report may carry back, and who
 * hears about reports that have nowhere to go.
 *
 * @param maxReturnSize  a report carries the whole original (RET=FULL) only up to this many bytes;
 *                       past it, the headers alone (0 = always headers only)
 * @param doubleBounceTo receives the report about a failed message from the null sender {@code <>}
 *                       (itself a report, which must never be answered with another report);
 *                       empty = such failures are only logged
 */
public record DsnConfig(long maxReturnSize, Optional<String> doubleBounceTo) {

    static DsnConfig from(Settings s) {
        long maxReturnSize = s.size("dsn.max_return_size");
        if (maxReturnSize > Integer.MAX_VALUE) throw s.error("dsn.max_return_size", "must be at most 2047MB");
        Optional<String> doubleBounceTo = Optional.empty();
        if (!s.isNull("dsn.double_bounce_to")) {
            String address = s.text("dsn.double_bounce_to");
            if (address.startsWith("<") && address.endsWith(">")) address = address.substring(1, address.length() - 1);
            // A light check: the intake's full RFC 5321 syntax lives in its own package; what matters
            // here is that the value is one address, not a name, a list or a typo without a domain.
            if (!address.matches("[^\\s<>@,;\"]+@[A-Za-z0-9.\\[\\]:-]+")) {
                throw s.error("dsn.double_bounce_to", "must be one address like postmaster@example.com, got '" + address + "'");
            }
            doubleBounceTo = Optional.of(address);
        }
        return new DsnConfig(maxReturnSize, doubleBounceTo);
    }
}
