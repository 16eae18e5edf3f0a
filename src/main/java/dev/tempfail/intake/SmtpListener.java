package dev.tempfail.intake;

import dev.tempfail.auth.Users;
import dev.tempfail.config.AuthConfig;
import dev.tempfail.config.HostPort;
import dev.tempfail.config.SmtpConfig;
import dev.tempfail.maillog.MailLog;
import dev.tempfail.tls.ServerTls;
import org.subethamail.smtp.internal.server.CommandHandler;
import org.subethamail.smtp.server.SMTPServer;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One inbound SMTP listener: SubEtha SMTP's connection handling, with our own command
 * implementations for everything that touches the envelope, TLS or the queue.
 *
 * <p>Every connection hears something. SubEtha accepts a connection only while it holds a
 * permit (its {@code maxConnections} + 10) and the kernel keeps the rest in the accept backlog,
 * dropping what does not fit; a client dropped there waits in silence. So the limit the
 * clients see is ours ({@link ClientSessions}: {@code smtp.max_connections}, per client
 * {@code smtp.max_connections_per_client}), answered with 421 before the greeting, and
 * SubEtha's own limit is higher by {@link #refusalSlots}: threads that only say 421 and
 * close, which takes milliseconds. The backlog holds as many connections as there are threads,
 * so a burst of that size waits in the kernel for a moment instead of being dropped.
 */
final class SmtpListener implements AutoCloseable {
    private final SMTPServer server;

    /** What every listener of one relay shares. */
    record Shared(SmtpConfig config, AuthConfig auth, ClientSessions sessions, Acceptor acceptor, ServerTls tls,
                  Users users, AuthFailures failures, boolean dsn, MailLog mailLog) {}

    SmtpListener(ListenerKind kind, HostPort listen, Shared shared) {
        SmtpConfig config = shared.config();
        ClientSessions sessions = shared.sessions();
        int threads = config.maxConnections() + refusalSlots(config.maxConnections());
        AtomicInteger n = new AtomicInteger();
        this.server = SMTPServer.port(listen.port())
                .bindAddress(bindAddress(listen.host()))
                .hostName(config.hostname())
                .softwareName("tempfail")
                .maxConnections(threads)
                .backlog(threads)
                .executorService(Executors.newCachedThreadPool(r -> {
                    Thread t = new Thread(r, kind.label + "-" + n.incrementAndGet());
                    t.setDaemon(true); // a session stuck past the stop's deadline must not keep the process alive
                    return t;
                }))
                .connectionTimeoutMs((int) Math.min(Integer.MAX_VALUE, config.timeout().toMillis()))
                .maxMessageSize((int) config.maxMessageSize())
                .maxRecipients(config.maxRecipients())
                .messageHandlerFactory(context -> new Envelope())
                .sessionHandler(sessions)
                .serverSocketFactory(kind.tlsFromStart ? () -> StandardReplies.tlsServerSocket(shared.tls())
                        : StandardReplies::serverSocket)
                .serverThreadName(kind.label + "-listener")
                .build();
        CommandHandler commands = server.getCommandHandler();
        for (var command : List.of(
                EhloCommand.ehlo(config.hostname(), config.maxMessageSize(), shared.dsn(), true, sessions),
                EhloCommand.helo(config.hostname(), sessions),
                new MailCommand(config.maxMessageSize(), shared.dsn(), kind.requireAuth, shared.auth(), sessions,
                        shared.acceptor()),
                new AuthCommand(shared.users(), shared.failures(), shared.auth().failureDelay(), sessions),
                new RcptCommand(config, shared.dsn(), sessions, shared.mailLog()),
                new DataCommand(config.maxMessageSize(), config.maxHops(), shared.acceptor(), sessions, shared.mailLog()),
                new StartTlsCommand(shared.tls(), sessions),
                new RsetCommand(), new NoopCommand(), new QuitCommand(sessions), new VrfyCommand(), new HelpCommand(),
                new NotImplementedCommand("EXPN"), new NotImplementedCommand("BDAT"))) {
            commands.addCommand(command);
        }
    }

    /** Threads beyond the session limit that answer 421 to a burst: half the limit, at least 50. */
    static int refusalSlots(int maxConnections) {
        return Math.max(50, maxConnections / 2);
    }

    private static InetAddress bindAddress(String host) {
        try {
            return InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("cannot resolve listen address " + host, e);
        }
    }

    void start() {
        server.start();
    }

    boolean isRunning() {
        return server.isRunning();
    }

    /** The port actually bound (useful when the configured port is 0). */
    int port() {
        return server.getPortAllocated();
    }

    @Override
    public void close() {
        server.stop();
    }
}
