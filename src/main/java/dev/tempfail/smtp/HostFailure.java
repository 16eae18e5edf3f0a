package dev.tempfail.smtp;

/**
 * One connection given up before any transaction: refused, timed out, a 4xx/5xx greeting,
 * EHLO and HELO refused, or a failed STARTTLS (which is retried in plain text on a new
 * connection to the same host).
 *
 * @param synthetic the reply was made up by this client (e.g. {@code 421 4.4.1 connect to ...:
 *                  Connection refused}) rather than sent by the host
 */
public record HostFailure(Target target, Stage stage, SmtpReply reply, boolean synthetic) {
    @Override
    public String toString() {
        return target + " at " + stage.label() + ": " + reply + (synthetic ? " (local)" : "");
    }
}
