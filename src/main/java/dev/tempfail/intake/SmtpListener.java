package dev.tempfail.intake;

import dev.tempfail.config.SmtpConfig;
import dev.tempfail.maillog.MailLog;
import dev.tempfail.queue.QueueStore;
import org.subethamail.smtp.internal.server.CommandHandler;
import org.subethamail.smtp.server.SMTPServer;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.util.List;

/**
 * The inbound SMTP listener: SubEtha SMTP's connection handling, with our own command
 * implementations for everything that touches the envelope or the queue.
 */
public final class SmtpListener implements AutoCloseable {
    private final SMTPServer server;

    public SmtpListener(SmtpConfig config, QueueStore queue, Clock clock, boolean dsn, MailLog mailLog) {
        ClientSessions sessions = new ClientSessions();
        Acceptor acceptor = new Acceptor(queue, clock, config.hostname(), mailLog);
        this.server = SMTPServer.port(config.listen().port())
                .bindAddress(bindAddress(config.listen().host()))
                .hostName(config.hostname())
                .softwareName("tempfail")
                .maxConnections(config.maxConnections())
                .connectionTimeoutMs((int) Math.min(Integer.MAX_VALUE, config.timeout().toMillis()))
                .maxMessageSize((int) config.maxMessageSize())
                .maxRecipients(config.maxRecipients())
                .messageHandlerFactory(context -> new Envelope())
                .sessionHandler(sessions)
                .serverSocketFactory(StandardReplies::serverSocket)
                .serverThreadName("smtp-listener")
                .build();
        CommandHandler commands = server.getCommandHandler();
        for (var command : List.of(
                EhloCommand.ehlo(config.hostname(), config.maxMessageSize(), dsn, sessions),
                EhloCommand.helo(config.hostname(), sessions),
                new MailCommand(config.maxMessageSize(), dsn),
                new RcptCommand(config, dsn, sessions, mailLog),
                new DataCommand(config.maxMessageSize(), acceptor, sessions, mailLog),
                SimpleCommand.rset(), SimpleCommand.noop(), SimpleCommand.quit(),
                SimpleCommand.vrfy(), SimpleCommand.help(),
                SimpleCommand.notImplemented("EXPN"), SimpleCommand.notImplemented("AUTH"),
                SimpleCommand.notImplemented("STARTTLS"), SimpleCommand.notImplemented("BDAT"))) {
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

    public void start() {
        server.start();
    }

    /** Whether the listener is accepting connections (for {@code /healthz}). */
    public boolean isRunning() {
        return server.isRunning();
    }

    /** The port actually bound (useful when the configured port is 0). */
    public int port() {
        return server.getPortAllocated();
    }

    @Override
    public void close() {
        server.stop();
    }
}
