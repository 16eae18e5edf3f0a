package dev.tempfail.queue;

import java.time.Instant;

/**
 * What one try of one recipient came to, as the delivery worker hands it to the queue:
 * the reply (or the local failure), the verdict, and where the recipient goes next.
 *
 * @param state       the recipient's new state: deferred, delivered, failed or expired
 * @param nextAttempt when to try again (deferred only), else null
 * @param verdict     delivered, transient or permanent
 * @param category    why it failed (the reply category); null when delivered
 * @param streak      temporary failures of this category in a row, this one included (0 when not temporary)
 * @param markDelayNotified the sender is being sent a delay notice about this recipient now
 * @param why         why the retry policy chose that next attempt (deferred only; may be null)
 * @param tls         the TLS protocol and cipher the try ran over ({@code TLSv1.3 TLS_AES_256_GCM_SHA384}); null
 *                    for clear text or when no host was reached
 * @param tlsVerified with TLS: whether the certificate chain and host name were verified; else null
 */
public record Attempt(Instant at, String remoteHost, String remoteIp, String stage, Integer code, String status,
                      String text, String verdict, String category, int streak, RecipientState state,
                      Instant nextAttempt, boolean markDelayNotified, String why, String tls, Boolean tlsVerified) {

    public Attempt(Instant at, String remoteHost, String remoteIp, String stage, Integer code, String status,
                   String text, String verdict, String category, int streak, RecipientState state,
                   Instant nextAttempt, boolean markDelayNotified, String why) {
        this(at, remoteHost, remoteIp, stage, code, status, text, verdict, category, streak, state, nextAttempt,
                markDelayNotified, why, null, null);
    }

    public Attempt(Instant at, String remoteHost, String remoteIp, String stage, Integer code, String status,
                   String text, String verdict, String category, int streak, RecipientState state,
                   Instant nextAttempt, boolean markDelayNotified) {
        this(at, remoteHost, remoteIp, stage, code, status, text, verdict, category, streak, state, nextAttempt,
                markDelayNotified, null);
    }

    /** This try, as carried over TLS {@code tls} (null: clear text). */
    public Attempt withTls(String tls, boolean verified) {
        return new Attempt(at, remoteHost, remoteIp, stage, code, status, text, verdict, category, streak, state,
                nextAttempt, markDelayNotified, why, tls, tls == null ? null : verified);
    }

    public Attempt {
        if ((state == RecipientState.DEFERRED) != (nextAttempt != null)) {
            throw new IllegalArgumentException("a deferred recipient, and only it, has a next attempt time");
        }
    }
}
