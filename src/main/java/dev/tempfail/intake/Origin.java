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
 */
record Origin(String helo, Client client, boolean esmtp, String tls, String user) {

    static Origin of(Session sess, ClientSessions sessions) {
        String tls = TlsSocket.of(sess).map(Origin::describe).orElse(null);
        return new Origin(sess.getHelo().orElse(null), sessions.client(sess), sessions.isEsmtp(sess), tls, sessions.user(sess));
    }

    static String describe(SSLSession s) {
        return s.getProtocol() + " with cipher " + s.getCipherSuite();
    }

    /** RFC 3848's protocol name: ESMTP, plus S for TLS and A for an authenticated client. */
    String protocol() {
        if (!esmtp) return "SMTP";
        return "ESMTP" + (tls == null ? "" : "S") + (user == null ? "" : "A");
    }
}
