package dev.tempfail.smtp;

import java.util.Locale;

/** The step of an SMTP transaction at which a reply (or a failure) came. */
public enum Stage {
    /** Before any SMTP: DNS lookup of the destination. */
    DNS,
    /** TCP connect and the 220 greeting. */
    CONNECT,
    EHLO,
    STARTTLS,
    MAIL,
    RCPT,
    /** The DATA command itself and the reply to the final dot. */
    DATA;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Stage parse(String label) {
        return valueOf(label.trim().toUpperCase(Locale.ROOT));
    }
}
