package dev.tempfail.intake;

import org.subethamail.smtp.internal.server.BaseCommand;
import org.subethamail.smtp.server.Session;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * EHLO and HELO: both reset the transaction; EHLO lists the extensions we implement.
 * STARTTLS is offered until TLS is on; AUTH only once it is (never a password in clear text).
 */
final class EhloCommand extends BaseCommand {
    /** A domain name is at most 253 characters, an address literal less; the queue stores up to this. */
    static final int MAX_NAME = 255;

    private final String hostname;
    private final List<String> extensions;
    private final ClientSessions sessions;
    private final boolean extended;
    private final boolean auth;

    private EhloCommand(String verb, String hostname, List<String> extensions, ClientSessions sessions, boolean auth) {
        super(verb, "Introduce yourself.", "<hostname>");
        this.hostname = hostname;
        this.extensions = extensions;
        this.sessions = sessions;
        this.extended = verb.equals("EHLO");
        this.auth = auth;
    }

    static EhloCommand ehlo(String hostname, long maxMessageSize, boolean dsn, boolean auth, ClientSessions sessions) {
        List<String> ext = new ArrayList<>(List.of("PIPELINING", "SIZE " + maxMessageSize, "8BITMIME", "ENHANCEDSTATUSCODES"));
        if (dsn) ext.add("DSN");
        ext.add("SMTPUTF8");
        return new EhloCommand("EHLO", hostname, List.copyOf(ext), sessions, auth);
    }

    static EhloCommand helo(String hostname, ClientSessions sessions) {
        return new EhloCommand("HELO", hostname, List.of(), sessions, false);
    }

    @Override
    public void execute(String line, Session sess) throws IOException {
        String[] args = getArgs(line);
        if (args.length != 2) {
            sess.sendResponse("501 5.5.4 Syntax: " + getName() + " hostname");
            return;
        }
        if (args[1].length() > MAX_NAME) { // the queue keeps the name (Received header, client_helo): refuse what it cannot
            sess.sendResponse("501 5.5.4 Syntax: " + getName() + " hostname: at most " + MAX_NAME + " characters");
            return;
        }
        sess.resetMailTransaction();
        sess.setHelo(args[1]);
        sessions.greetedWithEhlo(sess, extended);
        List<String> offered = new ArrayList<>(extensions);
        if (extended) { // after SIZE, where Postfix lists them
            boolean tls = TlsSocket.of(sess).isPresent();
            if (tls && auth) offered.add(2, "AUTH PLAIN LOGIN");
            if (!tls) offered.add(2, "STARTTLS");
        }
        StringBuilder reply = new StringBuilder("250").append(offered.isEmpty() ? " " : "-").append(hostname);
        for (int i = 0; i < offered.size(); i++) {
            reply.append("\r\n250").append(i == offered.size() - 1 ? " " : "-").append(offered.get(i));
        }
        sess.sendResponse(reply.toString());
    }
}
