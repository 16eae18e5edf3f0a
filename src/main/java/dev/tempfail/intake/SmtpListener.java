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

/**
 * One inbound SMTP listener: SubEtha SMTP's connection handling, with our own command
 * implementations for everything that touches the envelope, TLS or the queue.
 */
final class SmtpListener implements AutoCloseable {
    private final SMTPServer server;

    /** What every listener of one relay shares. */
    record Shared(SmtpConfig config, AuthConfig auth, ClientSessions sessions, Acceptor acceptor, ServerTls tls,
                  Users users, AuthFailures failures, boolean dsn, MailLog mailLog) {}

    SmtpListener(ListenerKind kind, HostPort listen, Shared shared) {
        SmtpConfig config = shared.config();
        ClientSessions sessions = shared.sessions();
        this.server = SMTPServer.port(listen.port())
                .bindAddress(bindAddress(listen.host()))
                .hostName(config.hostname())
                .softwareName("tempfail")
                .maxConnections(config.maxConnections())
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
                new DataCommand(config.maxMessageSize(), shared.acceptor(), sessions, shared.mailLog()),
                new StartTlsCommand(shared.tls(), sessions),
                SimpleCommand.rset(), SimpleCommand.noop(), SimpleCommand.quit(),
                SimpleCommand.vrfy(), SimpleCommand.help(),
                SimpleCommand.notImplemented("EXPN"),
                SimpleCommand.notImplemented("BDAT"))) {
            commands.addCommand(command);
        }
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
