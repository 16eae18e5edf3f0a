package dev.tempfail.smtp;

import java.util.List;

/**
 * The outcome of one delivery attempt of one message to one destination.
 *
 * @param target            the host that carried the transaction, or null when none could be
 *                          reached (a connection-level failure: then every recipient carries the
 *                          last host's error)
 * @param tls               the transaction ran over TLS
 * @param tlsCipher         protocol and cipher suite, e.g. {@code TLSv1.3 TLS_AES_256_GCM_SHA384}; null without TLS
 * @param tlsVerified       the certificate chain and name were checked ({@code tls: verify})
 * @param capabilities      what the host's (last) EHLO reply advertised; {@link EhloCapabilities#NONE} if none
 * @param transactions      MAIL transactions started on the connection (more than one when the
 *                          server limited recipients per transaction)
 * @param recipients        one result per envelope recipient, in envelope order
 * @param failedConnections connections given up before the one used (or all of them), in order; a
 *                          failed STARTTLS is here (stage STARTTLS) even when the plain-text retry
 *                          to the same host then carried the transaction
 */
public record DeliveryResult(Target target, boolean tls, String tlsCipher, boolean tlsVerified, EhloCapabilities capabilities,
                             int transactions, List<RecipientResult> recipients,
                             List<HostFailure> failedConnections) {

    public DeliveryResult {
        recipients = List.copyOf(recipients);
        failedConnections = List.copyOf(failedConnections);
    }

    /** No host got as far as MAIL FROM. */
    public boolean connectionFailed() {
        return target == null;
    }
}
