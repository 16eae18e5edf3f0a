package dev.tempfail.queue;

import java.time.Instant;
import java.util.List;

/**
 * A message as intake hands it to the queue: its queue id (from {@link QueueIds}), the envelope,
 * its body, already sealed in the {@link BodyStore} (delivered unchanged), and where it came
 * from. {@code sender} is "" for the null sender; {@code authUser} the SMTP AUTH user, or null.
 */
public record NewMessage(String queueId, String sender, List<NewRecipient> recipients, BodyStore.Stored body,
                         Instant receivedAt, String envid, String ret, String bodyType, boolean smtputf8,
                         String clientAddress, String clientHelo, boolean isDsn, String authUser, String subject) {

    /** A message from a client that did not authenticate (or from the relay itself), its Subject not known (reports). */
    public NewMessage(String queueId, String sender, List<NewRecipient> recipients, BodyStore.Stored body,
                      Instant receivedAt, String envid, String ret, String bodyType, boolean smtputf8,
                      String clientAddress, String clientHelo, boolean isDsn) {
        this(queueId, sender, recipients, body, receivedAt, envid, ret, bodyType, smtputf8, clientAddress, clientHelo, isDsn,
                null, null);
    }

    /** One envelope recipient with its RFC 3461 parameters (null where not given). */
    public record NewRecipient(String address, String orcpt, String notifyOn) {
        public String domain() {
            int at = address.lastIndexOf('@');
            return at < 0 ? "" : address.substring(at + 1).toLowerCase(java.util.Locale.ROOT);
        }
    }
}
