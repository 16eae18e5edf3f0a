package dev.tempfail.lab;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

/**
 * A message the receiver read to its final dot: the envelope as sent and the bytes exactly as
 * they were on the wire.
 *
 * @param number    1, 2, ... in the order accepted; 0 while not (or never) accepted
 * @param at        when it was read, on the receiver's clock
 * @param session   the connection it came on (1, 2, ...)
 * @param tls       whether that connection had done STARTTLS
 * @param mailLine  the whole MAIL command, parameters included
 * @param sender    the envelope sender, {@code ""} for the null sender {@code <>} (a DSN)
 * @param rcptLines the RCPT commands of the accepted recipients
 * @param wire      the bytes exactly as sent after the 354, the terminating {@code .CRLF} included
 * @param reply     the reply to its final dot; null while not answered (or when the receiver hung up)
 */
public record ReceivedMessage(int number, Instant at, int session, String client, String helo, boolean tls,
                              String mailLine, String sender, List<String> rcptLines, List<String> recipients, byte[] wire,
                              String reply) {
    public ReceivedMessage {
        rcptLines = List.copyOf(rcptLines);
        recipients = List.copyOf(recipients);
    }

    ReceivedMessage answered(int n, String finalReply) {
        return new ReceivedMessage(n, at, session, client, helo, tls, mailLine, sender, rcptLines, recipients, wire, finalReply);
    }

    public boolean fromNullSender() {
        return sender.isEmpty();
    }

    /**
     * The message as unstuffed (RFC 5321 section 4.5.2, receiver side: the first dot of every line
     * that has one dropped), without the terminating dot line.
     */
    public byte[] content() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(wire.length);
        int end = wire.length - 3; // without the final .CRLF
        boolean lineStart = true;
        for (int i = 0; i < end; i++) {
            byte b = wire[i];
            if (!(lineStart && b == '.')) out.write(b);
            lineStart = b == '\n' && i > 0 && wire[i - 1] == '\r';
        }
        return out.toByteArray();
    }

    public String contentAsString() {
        return new String(content(), StandardCharsets.ISO_8859_1);
    }
}
