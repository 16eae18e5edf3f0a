package dev.tempfail.intake;

import dev.tempfail.auth.Users;
import dev.tempfail.config.TempfailConfig;
import dev.tempfail.maillog.MailLog;
import dev.tempfail.queue.QueueStore;
import dev.tempfail.tls.ServerTls;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.OptionalInt;

/**
 * Everything that takes mail in: the relay listener ({@code smtp.listen}, STARTTLS offered),
 * and when configured the implicit-TLS listener ({@code smtp.tls_listen}) and the submission
 * listener ({@code submission.listen}), all sharing one certificate and one queue.
 */
public final class Intake implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger("tempfail/smtpd");

    private final Map<ListenerKind, SmtpListener> listeners = new EnumMap<>(ListenerKind.class);
    private final ClientSessions sessions;

    private Intake(ClientSessions sessions) {
        this.sessions = sessions;
    }

    /** Builds the listeners (binding nothing yet); a configured certificate that cannot be read stops here. */
    public static Intake open(TempfailConfig config, QueueStore queue, Clock clock, boolean dsn, MailLog mailLog)
            throws IOException {
        var smtp = config.smtp();
        ServerTls tls = smtp.tlsCert().isPresent()
                ? ServerTls.fromPem(smtp.tlsCert().get(), smtp.tlsKey().orElseThrow())
                : ServerTls.selfSigned(config.queue().dir().resolve("tls"), smtp.hostname());
        ClientSessions sessions = new ClientSessions(smtp.maxConnections(), smtp.maxConnectionsPerClient(), mailLog);
        var auth = config.auth();
        SmtpListener.Shared shared = new SmtpListener.Shared(smtp, auth, sessions,
                new Acceptor(queue, clock, smtp.hostname(), auth.receivedHeader(), mailLog), tls, new Users(auth.users()),
                new AuthFailures(auth.maxFailures(), auth.lockout(), clock), dsn, mailLog);
        Intake intake = new Intake(sessions);
        intake.listeners.put(ListenerKind.RELAY, new SmtpListener(ListenerKind.RELAY, smtp.listen(), shared));
        smtp.tlsListen().ifPresent(l -> intake.listeners.put(ListenerKind.IMPLICIT_TLS,
                new SmtpListener(ListenerKind.IMPLICIT_TLS, l, shared)));
        config.submission().listen().ifPresent(l -> intake.listeners.put(ListenerKind.SUBMISSION,
                new SmtpListener(ListenerKind.SUBMISSION, l, shared)));
        return intake;
    }

    public void start() {
        listeners.values().forEach(SmtpListener::start);
    }

    /** True while every listener is accepting connections (for the health check). */
    public boolean isRunning() {
        return listeners.values().stream().allMatch(SmtpListener::isRunning);
    }

    /** The relay listener's port (the one bound, when 0 was configured). */
    public int port() {
        return listeners.get(ListenerKind.RELAY).port();
    }

    /** The implicit-TLS listener's port, if there is one. */
    public OptionalInt tlsPort() {
        SmtpListener l = listeners.get(ListenerKind.IMPLICIT_TLS);
        return l == null ? OptionalInt.empty() : OptionalInt.of(l.port());
    }

    /** The submission listener's port, if there is one. */
    public OptionalInt submissionPort() {
        SmtpListener l = listeners.get(ListenerKind.SUBMISSION);
        return l == null ? OptionalInt.empty() : OptionalInt.of(l.port());
    }

    /**
     * The intake half of a clean stop: new connections and idle sessions get {@code 421 4.3.2}
     * at once; sessions inside DATA finish their message until {@code deadline}, then everything
     * still open is told 421 and closed. New connections go on hearing 421 until {@link #close}.
     */
    public void drain(Instant deadline) {
        sessions.stopAccepting();
        try {
            sessions.awaitNone(deadline);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (sessions.active() > 0) log.warn("stop: {} session(s) still receiving at the end of the grace period: closed",
                sessions.active());
        sessions.closeAll();
    }

    /** Stops at once: open sessions are told 421 and closed, the listeners stop. */
    @Override
    public void close() {
        sessions.stopAccepting();
        sessions.closeAll();
        listeners.values().forEach(SmtpListener::close);
    }
}
