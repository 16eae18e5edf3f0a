package dev.tempfail.smtp;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Delivers one message to one destination: one SMTP transaction carrying all the message's
 * recipients for it, over the first of the candidate hosts that answers, with a reply of its
 * own for every recipient. See the package documentation for the rules; the work is done by
 * {@link HostLoop} (hosts in turn), {@link SessionSetup} (greeting, EHLO, TLS, login) and
 * {@link TransactionLoop} (the transactions, lock-step or pipelined).
 *
 * <p>An instance holds only settings and may be shared by threads; each {@link #deliver} call
 * runs entirely on the calling thread with blocking sockets.
 */
public final class SmtpClient {
    private final ClientSettings settings;

    /** A client that uses STARTTLS whenever it is offered. */
    public SmtpClient(String heloName, SmtpTimeouts timeouts) {
        this(heloName, timeouts, true);
    }

    /**
     * @param heloName the name presented in EHLO/HELO
     * @param startTls use STARTTLS when the server offers it (opportunistic: any certificate is
     *                 accepted; a failed handshake is retried in plain text)
     */
    public SmtpClient(String heloName, SmtpTimeouts timeouts, boolean startTls) {
        this(heloName, timeouts, startTls, Duration.ZERO);
    }

    /**
     * @param reuseFor how long a connection is kept idle after a transaction for the next message
     *                 to the same host ({@link Duration#ZERO}: close every connection at once)
     */
    public SmtpClient(String heloName, SmtpTimeouts timeouts, boolean startTls, Duration reuseFor) {
        Objects.requireNonNull(heloName, "heloName");
        if (!heloName.matches("[A-Za-z0-9._:\\[\\]-]+")) throw new IllegalArgumentException("bad HELO name: " + heloName);
        Objects.requireNonNull(timeouts, "timeouts");
        ConnectionCache cache = reuseFor.isZero() || reuseFor.isNegative() ? null : new ConnectionCache(reuseFor);
        this.settings = new ClientSettings(heloName, timeouts, startTls, cache, ConcurrentHashMap.newKeySet());
    }

    /**
     * Delivers {@code content} (CRLF line endings, sent unchanged apart from dot-stuffing) to
     * the first of {@code targets} that gets as far as MAIL FROM.
     */
    public DeliveryResult deliver(Envelope envelope, byte[] content, List<Target> targets) {
        return deliver(envelope, content, targets, Security.OPPORTUNISTIC);
    }

    /** As {@link #deliver(Envelope, byte[], List)}, with the TLS policy and login the next hop needs. */
    public DeliveryResult deliver(Envelope envelope, byte[] content, List<Target> targets, Security security) {
        long size = envelope.size() > 0 ? envelope.size() : content.length;
        return new HostLoop(settings, new AttemptState(envelope, MessageContent.of(content), size, security, 0)).run(targets);
    }

    /** As {@link #deliver(Envelope, byte[], List)}, reading the content from {@code content} for each DATA. */
    public DeliveryResult deliver(Envelope envelope, MessageContent content, List<Target> targets) {
        return deliver(envelope, content, targets, Security.OPPORTUNISTIC);
    }

    public DeliveryResult deliver(Envelope envelope, MessageContent content, List<Target> targets, Security security) {
        return deliver(envelope, content, targets, security, 0);
    }

    /**
     * As {@link #deliver(Envelope, MessageContent, List, Security)}, with a connection kept for
     * reuse only while it has carried fewer than {@code messagesPerConnection} transactions (0 =
     * no limit): what a receiver that takes few messages per connection asks (a destination profile).
     */
    public DeliveryResult deliver(Envelope envelope, MessageContent content, List<Target> targets, Security security,
                                  int messagesPerConnection) {
        AttemptState state = new AttemptState(envelope, content, envelope.size(), security, messagesPerConnection);
        return new HostLoop(settings, state).run(targets);
    }

    /**
     * For a stop whose grace has run out: closes the connection of every conversation going on,
     * so that each ends now as a lost connection (a temporary failure for every recipient not
     * yet answered; after the final dot, "may have been delivered"). Returns how many were cut.
     */
    public int abortAll() {
        int n = 0;
        for (SmtpConnection c : List.copyOf(settings.talking())) {
            c.close();
            n++;
        }
        return n;
    }

    /** Closes the idle connections kept for reuse (QUIT first): for a stop, once nothing is being delivered. */
    public void closeIdle() {
        if (settings.cache() != null) settings.cache().closeAll(settings.timeouts().mail());
    }
}
