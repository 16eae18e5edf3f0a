package dev.tempfail.intake;

import org.subethamail.smtp.internal.server.BaseCommand;
import org.subethamail.smtp.server.Session;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** EHLO and HELO: both reset the transaction; EHLO lists the extensions we implement. */
final class EhloCommand extends BaseCommand {
    private final String hostname;
    private final List<String> extensions;
    private final ClientSessions sessions;
    private final boolean extended;

    private EhloCommand(String verb, String hostname, List<String> extensions, ClientSessions sessions) {
        super(verb, "Introduce yourself.", "<hostname>");
        this.hostname = hostname;
        this.extensions = extensions;
        this.sessions = sessions;
        this.extended = verb.equals("EHLO");
    }

    static EhloCommand ehlo(String hostname, long maxMessageSize, boolean dsn, ClientSessions sessions) {
        List<String> ext = new ArrayList<>(List.of("PIPELINING", "SIZE " + maxMessageSize, "8BITMIME", "ENHANCEDSTATUSCODES"));
        if (dsn) ext.add("DSN");
        return new EhloCommand("EHLO", hostname, List.copyOf(ext), sessions);
    }

    static EhloCommand helo(String hostname, ClientSessions sessions) {
        return new EhloCommand("HELO", hostname, List.of(), sessions);
    }

    @Override
    public void execute(String line, Session sess) throws IOException {
        String[] args = getArgs(line);
        if (args.length != 2) {
            sess.sendResponse("501 5.5.4 Syntax: " + getName() + " hostname");
            return;
        }
        sess.resetMailTransaction();
        sess.setHelo(args[1]);
        sessions.greetedWithEhlo(sess, extended);
        StringBuilder reply = new StringBuilder("250").append(extensions.isEmpty() ? " " : "-").append(hostname);
        for (int i = 0; i < extensions.size(); i++) {
            reply.append("\r\n250").append(i == extensions.size() - 1 ? " " : "-").append(extensions.get(i));
        }
        sess.sendResponse(reply.toString());
    }
}
