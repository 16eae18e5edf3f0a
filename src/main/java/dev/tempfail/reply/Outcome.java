package dev.tempfail.reply;

import dev.tempfail.smtp.Stage;

import java.util.Locale;

/** What one reply means for a recipient, by its basic code. */
public enum Outcome {
    /** 2xx: the remote server took the message. */
    DELIVERED,
    /** 4xx: try again later. */
    TRANSIENT,
    /** 5xx: give up and tell the sender. */
    PERMANENT;

    /**
     * The outcome of a 4xx or 5xx reply to {@code stage}: 5xx permanent, 4xx transient, except that a
     * 552 to RCPT is taken as 452 (RFC 5321 section 4.5.3.1.10: servers use it for "too many recipients").
     */
    static Outcome ofFailure(Stage stage, int code) {
        boolean permanent = code >= 500 && code < 600 && !(stage == Stage.RCPT && code == 552);
        return permanent ? PERMANENT : TRANSIENT;
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    @Override
    public String toString() {
        return label();
    }
}
