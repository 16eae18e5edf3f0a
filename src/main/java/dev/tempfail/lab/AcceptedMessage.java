package dev.tempfail.lab;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

/**
 * A message the fake receiver accepted: the envelope and the bytes as received (dot-unstuffed,
 * without the final dot line).
 *
 * @param number  1, 2, ... in the order accepted
 * @param at      when it was accepted, on the lab clock
 * @param sender  the envelope sender, {@code ""} for the null sender {@code <>} (a DSN)
 */
public record AcceptedMessage(int number, Instant at, int session, String client, String helo, String sender,
                              List<String> recipients, byte[] content) {
    public AcceptedMessage {
        recipients = List.copyOf(recipients);
    }

    public boolean fromNullSender() {
        return sender.isEmpty();
    }

    public String contentAsString() {
        return new String(content, StandardCharsets.ISO_8859_1);
    }
}
