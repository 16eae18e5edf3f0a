package dev.tempfail.smtp;

/** EHLO and HELO (or STARTTLS) refused with this reply. */
final class CommandRefused extends Exception {
    final String what;
    final SmtpReply reply;

    CommandRefused(String what, SmtpReply reply) {
        super(what + ": " + reply, null, false, false);
        this.what = what;
        this.reply = reply;
    }
}
