package dev.tempfail.intake;

import dev.tempfail.maillog.Client;
import org.subethamail.smtp.server.Session;

import javax.net.ssl.SSLSession;

/**
 * Where a message came from, as the Received header, the log and the queue record it.
 *
 * @param helo   the name the client greeted with, or null
 * @param tls    protocol and cipher, e.g. {@code TLSv1.3 with cipher TLS_AES_256_GCM_SHA384}; null in clear text
 * @param user   the user the client authenticated as, or null
 * @param utf8   the transaction said SMTPUTF8 on MAIL FROM
 */
record Origin(String helo, Client client, boolean esmtp, String tls, String user, boolean utf8) {

    static Origin of(Session sess, ClientSessions sessions, boolean utf8) {
        String tls = TlsSocket.of(sess).map(Origin::describe).orElse(null);
        return new Origin(sess.getHelo().orElse(null), sessions.client(sess), sessions.isEsmtp(sess), tls, sessions.user(sess),
                utf8);
    }

    static String describe(SSLSession s) {
        return s.getProtocol() + " with cipher " + s.getCipherSuite();
    }

    /**
     * RFC 3848's protocol name: ESMTP, plus S for TLS and A for an authenticated client; UTF8SMTP
     * instead of ESMTP for an SMTPUTF8 transaction (RFC 6531 §4.3).
     */
    String protocol() {
        if (!esmtp) return "SMTP";
        return (utf8 ? "UTF8SMTP" : "ESMTP") + (tls == null ? "" : "S") + (user == null ? "" : "A");
    }
}
