package dev.tempfail.smtp;

import java.time.Duration;
import java.util.Objects;

/**
 * How long the client waits at each step of a conversation, after RFC 5321 section 4.5.3.2.
 * Every read of a reply is bounded by its stage's timeout in total (a server that trickles a
 * byte now and then does not extend it); every write is bounded too: commands by their
 * stage's timeout, each block of message content by {@link #dataBlock()}.
 *
 * <p>{@code STARTTLS} and the TLS handshake use {@link #ehlo()}; {@code RSET} uses
 * {@link #mail()}. The reply to {@code QUIT} is not waited for (as Postfix's
 * {@code smtp_skip_quit_response}).
 *
 * @param connect   TCP connect (RFC 5321 names none; Postfix uses 30 s)
 * @param greeting  the 220 greeting (5 min)
 * @param ehlo      the reply to EHLO/HELO, STARTTLS and the TLS handshake (5 min)
 * @param mail      the reply to MAIL FROM and RSET (5 min)
 * @param rcpt      the reply to each RCPT TO (5 min)
 * @param dataInit  the 354 reply to DATA (2 min)
 * @param dataBlock each write of a block of message content (3 min)
 * @param dataEnd   the reply to the final dot (10 min)
 */
public record SmtpTimeouts(Duration connect, Duration greeting, Duration ehlo, Duration mail, Duration rcpt,
                           Duration dataInit, Duration dataBlock, Duration dataEnd) {

    public SmtpTimeouts {
        check("connect", connect);
        check("greeting", greeting);
        check("ehlo", ehlo);
        check("mail", mail);
        check("rcpt", rcpt);
        check("dataInit", dataInit);
        check("dataBlock", dataBlock);
        check("dataEnd", dataEnd);
    }

    /** The values RFC 5321 section 4.5.3.2 recommends, and 30 s to connect. */
    public static SmtpTimeouts rfc5321() {
        return new SmtpTimeouts(Duration.ofSeconds(30), Duration.ofMinutes(5), Duration.ofMinutes(5),
                Duration.ofMinutes(5), Duration.ofMinutes(5), Duration.ofMinutes(2), Duration.ofMinutes(3),
                Duration.ofMinutes(10));
    }

    /** The same timeout at every stage: for tests and the lab. */
    public static SmtpTimeouts uniform(Duration timeout) {
        return new SmtpTimeouts(timeout, timeout, timeout, timeout, timeout, timeout, timeout, timeout);
    }

    private static void check(String name, Duration d) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) throw new IllegalArgumentException("timeout " + name + " must be positive");
    }

    /** {@code 300ms}, {@code 30s}, {@code 5m}: how timeouts are quoted in synthetic replies. */
    static String format(Duration d) {
        long ms = d.toMillis();
        if (ms % 60_000 == 0) return ms / 60_000 + "m";
        if (ms % 1_000 == 0) return ms / 1_000 + "s";
        return ms + "ms";
    }
}
