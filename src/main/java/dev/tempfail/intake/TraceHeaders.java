package dev.tempfail.intake;

import dev.tempfail.message.HeaderSection;
import dev.tempfail.message.MailDates;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;

/**
 * The only changes intake makes to a message: a Received: trace header on top, and the
 * Message-ID: and Date: fields added at the end of the header section when the client left
 * them out (as Postfix does for its local clients). Every other byte passes unchanged.
 *
 * <p>On the way to the spool, {@link #writer} holds back only the header section (up to
 * {@link #HEADER_LIMIT}), to know which fields are missing; the rest passes straight through.
 */
final class TraceHeaders {
    /**
     * The most of a message held back to find the end of its header section. A header section
     * longer than this (no real mail has one) passes unchanged after our Received field,
     * without the Message-ID or Date we would have added.
     */
    static final int HEADER_LIMIT = 256 * 1024;

    private TraceHeaders() {}

    /**
     * @param showUser name the authenticated user in the header (Postfix's
     *                 {@code smtpd_sasl_authenticated_header}); the protocol says ESMTPA either way
     */
    record Trace(Origin origin, boolean showUser, String hostname, String queueId, String singleRecipient, Instant at) {}

    /**
     * An output stream that writes the message, with our changes, to {@code out}: call
     * {@link Writer#finish} after the last byte (it does not close {@code out}).
     */
    static Writer writer(OutputStream out, Trace t) {
        return new Writer(out, t);
    }

    private static String received(Trace t) {
        // "for <rcpt>" only with a single recipient, so that one recipient never learns the others
        Origin o = t.origin();
        return "Received: from " + (o.helo() == null ? "unknown" : o.helo())
                + " ([" + o.client().ip() + "])\r\n"
                + (o.tls() == null ? "" : "\t(using " + o.tls() + ")\r\n")
                + (o.user() == null || !t.showUser() ? "" : "\t(Authenticated sender: " + o.user() + ")\r\n")
                + "\tby " + t.hostname() + " (tempfail) with " + o.protocol() + " id " + t.queueId()
                + (t.singleRecipient() == null ? "" : "\r\n\tfor <" + t.singleRecipient() + ">")
                + "; " + MailDates.format(t.at()) + "\r\n";
    }

    /** The whole message (or its start, holding all of its header section) with our changes. */
    static byte[] apply(byte[] message, Trace t) {
        String received = received(t);
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

    /** Holds back the header section, then writes it changed and lets everything after it through. */
    static final class Writer extends OutputStream {
        private final OutputStream out;
        private final Trace trace;
        private byte[] held = new byte[4096];
        private int length;
        private boolean passing;
        private String messageId;
        private String subject;
        private boolean utf8Headers;

        private Writer(OutputStream out, Trace trace) {
            this.out = out;
            this.trace = trace;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (passing) {
                out.write(b, off, len);
                return;
            }
            int room = HEADER_LIMIT - length;
            int take = Math.min(room, len);
            if (length + take > held.length) held = Arrays.copyOf(held, Math.min(HEADER_LIMIT, Math.max(length + take, held.length * 2)));
            int from = Math.max(0, length - 3);
            System.arraycopy(b, off, held, length, take);
            length += take;
            if (headerSectionEnded(from)) {
                releaseChanged();
            } else if (length == HEADER_LIMIT) {
                utf8Headers = nonAscii(held, length);
                out.write(received(trace).getBytes(StandardCharsets.UTF_8));
                release(Arrays.copyOf(held, length));
            }
            if (passing && take < len) out.write(b, off + take, len - take);
        }

        /** The empty line after the header fields is in (searched from {@code from}), or there are no fields. */
        private boolean headerSectionEnded(int from) {
            if (length >= 2 && held[0] == '\r' && held[1] == '\n') return true;
            for (int i = from; i + 3 < length; i++) {
                if (held[i] == '\r' && held[i + 1] == '\n' && held[i + 2] == '\r' && held[i + 3] == '\n') return true;
            }
            return false;
        }

        /** The client's header section, with our fields added, goes out; the client's own bytes say whether it is UTF-8. */
        private void releaseChanged() throws IOException {
            byte[] client = Arrays.copyOf(held, length);
            utf8Headers = nonAscii(client, HeaderSection.length(client));
            release(apply(client, trace));
        }

        private static boolean nonAscii(byte[] b, int length) {
            for (int i = 0; i < length; i++) if (b[i] < 0) return true;
            return false;
        }

        private void release(byte[] start) throws IOException {
            messageId = HeaderSection.value(start, "Message-ID");
            subject = HeaderSection.value(start, "Subject");
            out.write(start);
            held = null;
            passing = true;
        }

        /** The message's Message-ID as written (the client's, or the one added), once the header section is out. */
        String messageId() {
            return messageId;
        }

        /**
         * The message's Subject, decoded (UTF-8 as sent, RFC 2047 words), for searching the queue;
         * null if it has none or it is past the part of the header section held back.
         */
        String subject() {
            if (subject == null) return null;
            String utf8 = new String(subject.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
            try {
                return jakarta.mail.internet.MimeUtility.decodeText(utf8).strip();
            } catch (java.io.UnsupportedEncodingException e) {
                return utf8.strip();
            }
        }

        /**
         * Whether the client's header section (as far as it was held back) has 8-bit bytes: UTF-8
         * header fields (RFC 6532), which only an SMTPUTF8 next hop may be sent. Known once it is out.
         */
        boolean utf8Headers() {
            return utf8Headers;
        }

        /** After the last byte: a message that ended inside its header section is written now. */
        void finish() throws IOException {
            if (!passing) releaseChanged();
        }
    }
}
