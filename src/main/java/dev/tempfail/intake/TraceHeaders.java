package dev.tempfail.intake;

import dev.tempfail.message.HeaderSection;
import dev.tempfail.message.MailDates;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * The only changes intake makes to a message: a Received: trace header on top, and the
 * Message-ID: and Date: fields added at the end of the header section when the client left
 * them out (as Postfix does for its local clients). Every other byte passes unchanged.
 */
final class TraceHeaders {
    private TraceHeaders() {}

    record Trace(String helo, String clientIp, boolean esmtp, String hostname, String queueId,
                 String singleRecipient, Instant at) {}

    static byte[] apply(byte[] message, Trace t) {
        // "for <rcpt>" only with a single recipient, so that one recipient never learns the others
        String received = "Received: from " + (t.helo() == null ? "unknown" : t.helo())
                + " ([" + t.clientIp() + "])\r\n"
                + "\tby " + t.hostname() + " (tempfail) with " + (t.esmtp() ? "ESMTP" : "SMTP") + " id " + t.queueId()
                + (t.singleRecipient() == null ? "" : "\r\n\tfor <" + t.singleRecipient() + ">")
                + "; " + MailDates.format(t.at()) + "\r\n";
        StringBuilder missing = new StringBuilder();
        if (!HeaderSection.has(message, "Message-ID")) {
            missing.append("Message-ID: <").append(t.queueId()).append('.').append(t.at().toEpochMilli())
                    .append('@').append(t.hostname()).append(">\r\n");
        }
        if (!HeaderSection.has(message, "Date")) {
            missing.append("Date: ").append(MailDates.format(t.at())).append("\r\n");
        }
        int headers = HeaderSection.length(message);
        byte[] top = received.getBytes(StandardCharsets.UTF_8);
        byte[] added = missing.toString().getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream(top.length + message.length + added.length + 2);
        out.writeBytes(top);
        out.write(message, 0, headers);
        if (headers > 0 && message[headers - 1] != '\n') out.writeBytes(new byte[] {'\r', '\n'});
        out.writeBytes(added);
        if (headers == 0 && added.length > 0 && message.length > 0) {
            out.writeBytes(new byte[] {'\r', '\n'}); // the message had no header section: keep its text as the body
        }
        out.write(message, headers, message.length - headers);
        return out.toByteArray();
    }
}
