package dev.tempfail.intake;

import org.subethamail.smtp.server.Session;
import org.subethamail.smtp.server.SessionHandler;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What we remember about each connected client beyond SubEtha's {@link Session}: whether it
 * greeted with EHLO (for the Received header's "with ESMTP"). Entries live exactly as long
 * as the session.
 */
final class ClientSessions implements SessionHandler {
    private final Map<Session, Boolean> esmtp = new ConcurrentHashMap<>();

    @Override
    public SessionAcceptance accept(Session session) {
        esmtp.put(session, false);
        return SessionAcceptance.success();
    }

    @Override
    public void onSessionEnd(Session session) {
        esmtp.remove(session);
    }

    void greetedWithEhlo(Session session, boolean ehlo) {
        esmtp.put(session, ehlo);
    }

    boolean isEsmtp(Session session) {
        return esmtp.getOrDefault(session, false);
    }
}
