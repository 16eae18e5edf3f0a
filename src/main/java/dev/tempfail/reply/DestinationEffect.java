package dev.tempfail.reply;

import java.time.Instant;

/**
 * How a reply should change the treatment of its whole destination (all mail to that next hop),
 * not just this recipient.
 *
 * @param pauseUntil     send nothing to the destination before this; null = no pause
 * @param maxConnections at most this many connections at once to the destination from now on
 *                       (until it accepts mail again); 0 = unchanged
 * @param maxPerHour     at most this many messages an hour to the destination, from "(2/h)";
 *                       0 = no cap
 * @param reason         one line for logs and the admin API, e.g. {@code rate_limited: 421 4.7.1 ...}
 */
public record DestinationEffect(Instant pauseUntil, int maxConnections, int maxPerHour, String reason) {
}
