package dev.tempfail.intake;

import dev.tempfail.maillog.Client;
import dev.tempfail.maillog.MailLog;
import dev.tempfail.maillog.Refusal;
import org.subethamail.smtp.internal.server.BaseCommand;
import org.subethamail.smtp.server.Session;

import java.io.IOException;
import java.sql.SQLException;

/**
 * DATA: streams the message strictly ({@link DataReader}) into its body file, stores it, and
 * answers 250 only after the commit. A client that disconnects mid-DATA gets nothing stored:
 * the EOF ends the session and the half-written body is discarded. A body that cannot be
 * written (a full disk) is discarded at once, the rest of DATA read and dropped, and the
 * final dot answered {@code 451 4.3.0}. A relay that is stopping lets a message in progress
 * finish (stored and answered) before the session gets its {@code 421}.
 */
final class DataCommand extends BaseCommand {
    private final long maxMessageSize;
    private final int maxHops;
    private final Acceptor acceptor;
    private final ClientSessions sessions;
    private final MailLog mailLog;

    DataCommand(long maxMessageSize, int maxHops, Acceptor acceptor, ClientSessions sessions, MailLog mailLog) {
        super("DATA", "Following text is collected as the message. End data with <CR><LF>.<CR><LF>");
        this.maxMessageSize = maxMessageSize;
        this.maxHops = maxHops;
        this.acceptor = acceptor;
        this.sessions = sessions;
        this.mailLog = mailLog;
    }

    @Override
    public void execute(String line, Session sess) throws IOException {
        if (!getArgPredicate(line).isEmpty()) {
            sess.sendResponse("501 5.5.4 Syntax: DATA takes no arguments");
            return;
        }
        if (!sess.isMailTransactionInProgress()) {
            sess.sendResponse("503 5.5.1 Error: need MAIL command");
            return;
        }
        if (sess.getRecipientCount() == 0) {
            sess.sendResponse("554 5.5.1 Error: no valid recipients");
            return;
        }
        if (!sessions.beginData(sess)) return; // the relay is stopping: the client was told 421
        try {
            receive(sess);
        } finally {
            sessions.endData(sess);
        }
    }

    private void receive(Session sess) throws IOException {
        Envelope envelope = (Envelope) sess.getMessageHandler();
        Client client = sessions.client(sess);
        String helo = sess.getHelo().orElse(null);
        Acceptor.Incoming incoming;
        try {
            incoming = acceptor.begin(envelope, Origin.of(sess, sessions, envelope.smtputf8()));
        } catch (IOException e) {
            sess.sendResponse(writeError(client, e));
            sess.resetMailTransaction();
            return;
        }
        String reply;
        try (incoming) { // closed (a refused body discarded) before the reply, so the client never sees it linger
            sess.sendResponse("354 End data with <CR><LF>.<CR><LF>"); // inside: a client gone by now leaves no draft
            DataReader.Result data = DataReader.read(sess.getRawInput(), maxMessageSize, incoming.content());
            if (data.tooLarge()) {
                reply = rejected(sess, Refusal.MESSAGE_TOO_LARGE, client, envelope, helo,
                        "552 5.3.4 Error: message file too big (limit " + maxMessageSize + " bytes)");
            } else if (data.bareLineEnding()) {
                reply = rejected(sess, Refusal.BARE_LINE_ENDING, client, envelope, helo,
                        "550 5.5.2 Error: bare <CR> or <LF> in message data; lines must end with <CR><LF>");
            } else if (data.writeError() != null) {
                reply = writeError(client, data.writeError());
            } else if (data.hops() > maxHops) { // a mail loop
                reply = rejected(sess, Refusal.TOO_MANY_HOPS, client, envelope, helo,
                        "554 5.4.6 Too many hops (" + data.hops() + " Received: headers, limit " + maxHops + ")");
            } else {
                reply = store(incoming, client);
                if (reply.startsWith("250")) sessions.accepted(sess);
            }
        } finally {
            sess.resetMailTransaction();
        }
        sess.sendResponse(reply);
    }

    /** The reply to the final dot of a good message: 250 once it is committed, else 451. */
    private String store(Acceptor.Incoming incoming, Client client) {
        try {
            return "250 2.0.0 Ok: queued as " + acceptor.accept(incoming);
        } catch (SQLException e) {
            if (e.getSQLState() != null && e.getSQLState().startsWith("22")) {
                // a data exception (a value too long for its column…): the same message fails the same way every
                // time, so a 4xx would bring it back for ever. Every command checks its lengths; this is the backstop.
                String reply = "554 5.3.0 Error: the message carries a value the queue cannot store";
                mailLog.refused(Refusal.QUEUE_ERROR, client, reply + " (" + e + ")");
                return reply;
            }
            return writeError(client, e);
        } catch (IOException e) {
            return writeError(client, e);
        }
    }

    private String writeError(Client client, Exception e) {
        String reply = "451 4.3.0 Error: queue write error, try again later";
        mailLog.refused(Refusal.QUEUE_ERROR, client, reply + " (" + e + ")");
        return reply;
    }

    /** A refused message, logged as Postfix's {@code NOQUEUE: reject: DATA from …}; returns the reply. */
    private String rejected(Session sess, Refusal reason, Client client, Envelope envelope, String helo, String reply) {
        mailLog.rejected(reason, "DATA", client, reply, envelope.sender(), null, sessions.isEsmtp(sess), helo);
        return reply;
    }
}
