package dev.tempfail.queue;

import java.time.Instant;

/**
 * A recipient that a delivery worker holds the lease on, with what delivery needs to know
 * about it and its message (with the retry history the policy needs: the category of its
 * last temporary failure and how many of those came in a row) (never the message bytes: {@link DeliveryQueue#content} loads those).
 *
 * @param leaseToken which lease of this node holds it: every write names it (see the package's contract)
 */
public record Leased(long recipientId, long messageId, String queueId, String address, String domain,
                     String orcpt, String notifyOn, int attempts, String category, int streak,
                     Instant receivedAt, Instant delayNotifiedAt, long leaseToken) {

    /** Never tried before: fresh mail, which the scheduler and the lanes put before retries. */
    public boolean fresh() {
        return attempts == 0;
    }
}
