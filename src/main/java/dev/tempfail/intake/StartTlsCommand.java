package dev.tempfail.intake;

import dev.tempfail.tls.ServerTls;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.subethamail.smtp.internal.server.BaseCommand;
import org.subethamail.smtp.server.Session;

import javax.net.ssl.SSLSession;
import java.io.IOException;

/**
 * STARTTLS (RFC 3207): the handshake, then the session starts again from EHLO. Whatever the
 * client sent after the command in plain text is thrown away with the old streams, so nothing
 * injected before the handshake is ever taken as a command (CVE-2011-0411).
 */
final class StartTlsCommand extends BaseCommand {
    private static final Logger log = LoggerFactory.getLogger("tempfail/smtpd");

    private final ServerTls tls;
    private final ClientSessions sessions;

    StartTlsCommand(ServerTls tls, ClientSessions sessions) {
        super("STARTTLS", "Starts TLS.");
        this.tls = tls;
        this.sessions = sessions;
    }

    @Override
    public void execute(String line, Session sess) throws IOException {
        if (!line.trim().equalsIgnoreCase("STARTTLS")) {
            sess.sendResponse("501 5.5.4 Syntax: STARTTLS");
            return;
        }
        if (TlsSocket.of(sess).isPresent()) {
            sess.sendResponse("554 5.5.1 Error: TLS already active");
            return;
        }
        String client = sess.getRemoteAddress().getAddress().getHostAddress();
        sess.sendResponse("220 2.0.0 Ready to start TLS");
        TlsSocket secured = StandardReplies.startTls(sess.getSocket(), tls);
        try {
            secured.handshake();
        } catch (IOException e) {
            log.info("TLS handshake with [{}] failed: {}", client, e.getMessage());
            sess.quit();
            return;
        }
        sess.setSocket(secured);
        sess.resetSmtpProtocol();
        sess.setTlsStarted(true);
        sessions.restart(sess);
        SSLSession s = secured.session();
        log.debug("TLS with [{}]: {} {}", client, s.getProtocol(), s.getCipherSuite());
    }
}
