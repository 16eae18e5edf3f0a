package dev.tempfail.intake;

import dev.tempfail.maillog.Client;
import org.subethamail.smtp.server.Session;
import org.subethamail.smtp.server.SessionHandler;

import java.net.InetAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What we remember about each connected client beyond SubEtha's {@link Session}: its name for
 * the log ({@code name[ip]}, from the reverse lookup Postfix's smtpd also makes once per
 * connection), whether it greeted with EHLO (for the Received header's "with ESMTP") and the
 * user it authenticated as. Entries live exactly as long as the session; STARTTLS forgets the
 * greeting and the user (RFC 3207 4.2), not the name.
 */
final class ClientSessions implements SessionHandler {
    private record State(Client client, boolean esmtp, String user) {}

    private final Map<Session, State> sessions = new ConcurrentHashMap<>();

    @Override
    public SessionAcceptance accept(Session session) {
        sessions.put(session, new State(lookUp(session.getRemoteAddress().getAddress()), false, null));
        return SessionAcceptance.success();
    }

    @Override
    public void onSessionEnd(Session session) {
        sessions.remove(session);
    }

    void greetedWithEhlo(Session session, boolean ehlo) {
        sessions.computeIfPresent(session, (s, state) -> new State(state.client(), ehlo, state.user()));
    }

    boolean isEsmtp(Session session) {
        State state = sessions.get(session);
        return state != null && state.esmtp();
    }

    void authenticated(Session session, String user) {
        sessions.computeIfPresent(session, (s, state) -> new State(state.client(), state.esmtp(), user));
    }

    /** The user this client authenticated as, or null. */
    String user(Session session) {
        State state = sessions.get(session);
        return state == null ? null : state.user();
    }

    /** After STARTTLS the client starts again from its greeting. */
    void restart(Session session) {
        sessions.computeIfPresent(session, (s, state) -> new State(state.client(), false, null));
    }

    Client client(Session session) {
        State state = sessions.get(session);
        return state != null ? state.client() : new Client(null, session.getRemoteAddress().getAddress().getHostAddress());
    }

    /** The verified-looking name of the address, or {@code unknown} (the address itself comes back when there is none). */
    private static Client lookUp(InetAddress address) {
        String ip = address.getHostAddress();
        String name = address.getCanonicalHostName();
        return new Client(name.equals(ip) ? null : name, ip);
    }
}
