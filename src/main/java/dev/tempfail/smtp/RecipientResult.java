package dev.tempfail.smtp;

/**
 * What became of one recipient in one delivery attempt: the reply that decided it and the
 * stage it came at ({@code RCPT} for a refused RCPT, {@code DATA} for the DATA command or the
 * final dot, {@code MAIL} for a refused MAIL FROM, {@code CONNECT}/{@code EHLO} when no host
 * could be reached, or wherever the connection was lost).
 *
 * @param synthetic the reply was made up by this client (connection lost, timeout, protocol
 *                  error, local read error) rather than sent by the remote server; synthetic
 *                  replies are always 4xx
 */
public record RecipientResult(String address, Stage stage, SmtpReply reply, boolean synthetic) {

    /** The remote server took responsibility for the message for this recipient. */
    public boolean delivered() {
        return !synthetic && stage == Stage.DATA && reply.isPositive();
    }
}
