package dev.tempfail.intake;

import dev.tempfail.maillog.Client;
import dev.tempfail.maillog.MailLog;
import dev.tempfail.maillog.Refusal;
import org.subethamail.smtp.server.Session;
import org.subethamail.smtp.server.SessionHandler;

import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The sessions we admitted and what we remember about each beyond SubEtha's {@link Session}:
 * the client's address (for the per-client limit) and its name for the log ({@code name[ip]},
 * from the reverse lookup Postfix's smtpd also makes once per connection; made when the log
 * first needs it, after the greeting), whether it greeted with EHLO (for the Received header's
 * "with ESMTP"), the user it authenticated as, and whether it is between commands or inside
 * DATA (for a clean stop). Entries live exactly as long as the session; STARTTLS forgets the
 * greeting and the user (RFC 3207 4.2), not the name. One instance serves every listener, so
 * the limits count all of a relay's sessions.
 *
 * <p>Admission happens before the greeting, so every connection hears something: {@code 220}
 * from SubEtha if admitted, otherwise {@code 421 4.7.0} (too many in all, or from this address)
 * or {@code 421 4.3.2} (the relay is stopping), and the connection is closed.
 *
 * <p>A stop ({@link #stopAccepting}) refuses new sessions, ends the idle ones with
 * {@code 421 4.3.2} at once, and lets a session inside DATA finish its message (store it and
 * answer) before it gets its {@code 421}.
 */
final class ClientSessions implements SessionHandler {
    static final String SHUTTING_DOWN = "421 4.3.2 Service shutting down";

    /** Where a session is: {@code IDLE} between commands, {@code DATA} from 354 to the reply, {@code CLOSING} told 421. */
    private enum Phase { IDLE, DATA, CLOSING }

    private static final class Entry {
        final InetAddress address;
        final AtomicReference<Phase> phase = new AtomicReference<>(Phase.IDLE);
        /** Looked up when first needed, not before the greeting: a slow resolver must not make a flood wait for its 220. */
        volatile Client client;
        volatile boolean esmtp;
        volatile String user;

        Entry(InetAddress address) {
            this.address = address;
        }
    }

    private final MailLog mailLog;
    private final int maxSessions;
    private final int maxPerClient;
    private final Map<Session, Entry> clients = new ConcurrentHashMap<>();
    /** Guarded by {@code this}, as is {@link #stopping} for writers. */
    private final Map<InetAddress, Integer> perAddress = new HashMap<>();
    private volatile boolean stopping;

    /** @param maxPerClient sessions from one address; {@code 0} for no limit of its own */
    /** Where the commands of these sessions write what operators follow. */
    MailLog mailLog() {
        return mailLog;
    }

    ClientSessions(int maxSessions, int maxPerClient, MailLog mailLog) {
        this.mailLog = mailLog;
        this.maxSessions = maxSessions;
        this.maxPerClient = maxPerClient;
    }

    @Override
    public SessionAcceptance accept(Session session) {
        InetAddress address = session.getRealRemoteAddress().getAddress();
        synchronized (this) {
            if (stopping) return SessionAcceptance.failure(421, SHUTTING_DOWN.substring(4));
            if (clients.size() >= maxSessions) return refuse(address, "4.7.0 Too many connections, try again later");
            int fromHere = perAddress.getOrDefault(address, 0);
            if (maxPerClient > 0 && fromHere >= maxPerClient) {
                return refuse(address, "4.7.0 Too many connections from your address, try again later");
            }
            perAddress.put(address, fromHere + 1);
            clients.put(session, new Entry(address));
        }
        return SessionAcceptance.success();
    }

    /** Logged as Postfix's NOQUEUE line, without a reverse lookup: a flood must not wait on the resolver. */
    private SessionAcceptance refuse(InetAddress address, String reply) {
        mailLog.refused(Refusal.TOO_MANY_CONNECTIONS, new Client(null, address.getHostAddress()), "421 " + reply);
        return SessionAcceptance.failure(421, reply);
    }

    @Override
    public void onSessionEnd(Session session) {
        release(session);
    }

    /**
     * The session no longer counts against the limits. Called at QUIT, before the 221, so that a
     * client that reconnects at once never finds its own closing session still counted; and
     * again when the session ends (then a no-op).
     */
    void release(Session session) {
        synchronized (this) {
            Entry c = clients.remove(session);
            if (c == null) return;
            perAddress.computeIfPresent(c.address, (a, n) -> n == 1 ? null : n - 1);
            if (clients.isEmpty()) notifyAll();
        }
    }

    void greetedWithEhlo(Session session, boolean ehlo) {
        Entry c = clients.get(session);
        if (c != null) c.esmtp = ehlo;
    }

    boolean isEsmtp(Session session) {
        Entry c = clients.get(session);
        return c != null && c.esmtp;
    }

    void authenticated(Session session, String user) {
        Entry c = clients.get(session);
        if (c != null) c.user = user;
    }

    /** The user this client authenticated as, or null. */
    String user(Session session) {
        Entry c = clients.get(session);
        return c == null ? null : c.user;
    }

    /** After STARTTLS the client starts again from its greeting. */
    void restart(Session session) {
        Entry c = clients.get(session);
        if (c == null) return;
        c.esmtp = false;
        c.user = null;
    }

    Client client(Session session) {
        Entry c = clients.get(session);
        if (c == null) return new Client(null, session.getRemoteAddress().getAddress().getHostAddress());
        if (c.client == null) c.client = lookUp(c.address);
        return c.client;
    }

    /** The verified-looking name of the address, or {@code unknown} (the address itself comes back when there is none). */
    private static Client lookUp(InetAddress address) {
        String ip = address.getHostAddress();
        String name = address.getCanonicalHostName();
        return new Client(name.equals(ip) ? null : name, ip);
    }

    /** DATA may begin (to be answered 354); false if the relay is stopping, and the session was told so. */
    boolean beginData(Session session) {
        Entry c = clients.get(session);
        if (c == null) return true;
        if (!c.phase.compareAndSet(Phase.IDLE, Phase.DATA)) return false; // told 421 a moment ago
        if (!stopping) return true;
        c.phase.set(Phase.IDLE); // the stop came while DATA was being read: this session is still idle
        close(session, c);
        return false;
    }

    /** DATA has been answered; if the relay is stopping, the session ends now with 421. */
    void endData(Session session) {
        Entry c = clients.get(session);
        if (c == null) return;
        c.phase.compareAndSet(Phase.DATA, Phase.IDLE);
        if (stopping) close(session, c);
    }

    /** Refuses new sessions and ends every idle one with 421 4.3.2; sessions inside DATA finish first. */
    void stopAccepting() {
        synchronized (this) {
            stopping = true;
        }
        for (Map.Entry<Session, Entry> e : List.copyOf(clients.entrySet())) close(e.getKey(), e.getValue());
    }

    /** The stop's time is up: every session still open, inside DATA or not, is told 421 and closed. */
    void closeAll() {
        for (Map.Entry<Session, Entry> e : List.copyOf(clients.entrySet())) {
            e.getValue().phase.set(Phase.IDLE);
            close(e.getKey(), e.getValue());
        }
    }

    /** Waits until every session has ended, or {@code deadline} (wall-clock time) has come. */
    synchronized void awaitNone(Instant deadline) throws InterruptedException {
        while (!clients.isEmpty()) {
            long ms = Duration.between(Instant.now(), deadline).toMillis();
            if (ms <= 0) return;
            wait(ms);
        }
    }

    /** Sessions admitted and not yet ended. */
    int active() {
        return clients.size();
    }

    /** Ends an idle session with 421 4.3.2 (once); one inside DATA is left to finish. */
    private static void close(Session session, Entry c) {
        if (!c.phase.compareAndSet(Phase.IDLE, Phase.CLOSING)) return;
        try {
            session.sendResponse(SHUTTING_DOWN);
        } catch (IOException gone) {
            // the client left already; closing is all that is left to do
        }
        session.quit();
    }
}
