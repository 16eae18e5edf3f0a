package dev.tempfail.smtp;

import java.util.Set;

/**
 * What every conversation of one {@link SmtpClient} shares.
 *
 * @param startTls use STARTTLS when offered (unless the policy says {@code none})
 * @param cache    idle connections kept for reuse; null when reuse is off
 * @param talking  the connections of the conversations going on now, so that a stop whose time
 *                 is up can cut them
 */
record ClientSettings(String heloName, SmtpTimeouts timeouts, boolean startTls, ConnectionCache cache,
                      Set<SmtpConnection> talking) {

    /** The first word of a greeting or EHLO reply is the server's name; ours means the mail came back to us. */
    boolean isOurName(SmtpReply r) {
        String first = r.lines().isEmpty() ? "" : r.lines().get(0).strip();
        int space = first.indexOf(' ');
        return (space < 0 ? first : first.substring(0, space)).equalsIgnoreCase(heloName);
    }
}
