package dev.tempfail.lab;

import java.util.Locale;

/** The points of an SMTP conversation at which a lab script can answer. */
public enum LabStage {
    /** The greeting, before any command. */
    CONNECT,
    /** EHLO or HELO. */
    EHLO,
    MAIL,
    RCPT,
    /** The reply to the final dot (the message has been read). */
    DATA;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Whether a recipient is known at this stage, so that a rule for one recipient can answer it. */
    public boolean knowsRecipient() {
        return this == RCPT || this == DATA;
    }
}
