package dev.tempfail.reply;

import java.util.Locale;

/** What one reply means for a recipient, by its basic code. */
public enum Outcome {
    /** 2xx: the remote server took the message. */
    DELIVERED,
    /** 4xx: try again later. */
    TRANSIENT,
    /** 5xx: give up and tell the sender. */
    PERMANENT;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    @Override
    public String toString() {
        return label();
    }
}
