package dev.tempfail.intake;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.subethamail.smtp.internal.server.BaseCommand;
import org.subethamail.smtp.server.Session;

import java.io.IOException;
import java.sql.SQLException;

/**
 * DATA: streams the message strictly ({@link DataReader}) into its body file, stores it, and
 * answers 250 only after the commit. A client that disconnects mid-DATA gets nothing stored:
 * the EOF ends the session and the half-written body is discarded. A body that cannot be
 * written (a full disk) is discarded at once, the rest of DATA read and dropped, and the
 * final dot answered {@code 451 4.3.0}.
 */
final class DataCommand extends BaseCommand {
    private static final Logger log = LoggerFactory.getLogger("intake");

    private final long maxMessageSize;
    private final Acceptor acceptor;
    private final ClientSessions sessions;

    DataCommand(long maxMessageSize, Acceptor acceptor, ClientSessions sessions) {
        super("DATA", "Following text is collected as the message. End data with <CR><LF>.<CR><LF>");
        this.maxMessageSize = maxMessageSize;
        this.acceptor = acceptor;
        this.sessions = sessions;
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
        Envelope envelope = (Envelope) sess.getMessageHandler();
        String client = sess.getRemoteAddress().getAddress().getHostAddress();
        String helo = sess.getHelo().orElse(null);
        Acceptor.Incoming incoming;
        try {
            incoming = acceptor.begin(envelope, helo, client, sessions.isEsmtp(sess));
        } catch (IOException e) {
            sess.sendResponse(writeError(client, e));
            sess.resetMailTransaction();
            return;
        }
        sess.sendResponse("354 End data with <CR><LF>.<CR><LF>");
        String reply;
        try (incoming) { // closed (a refused body discarded) before the reply, so the client never sees it linger
            DataReader.Result data = DataReader.read(sess.getRawInput(), maxMessageSize, incoming.content());
            if (data.tooLarge()) {
                log.info("reject: DATA from [{}]: {} bytes over the limit of {}", client, data.size(), maxMessageSize);
                reply = "552 5.3.4 Error: message file too big (limit " + maxMessageSize + " bytes)";
            } else if (data.bareLineEnding()) {
                log.info("reject: DATA from [{}]: bare <CR> or <LF> in message data", client);
                reply = "550 5.5.2 Error: bare <CR> or <LF> in message data; lines must end with <CR><LF>";
            } else if (data.writeError() != null) {
                reply = writeError(client, data.writeError());
            } else {
                reply = store(incoming, client);
            }
        } finally {
            sess.resetMailTransaction();
        }
        sess.sendResponse(reply);
    }

    /** The reply to the final dot of a good message: 250 once it is committed, else 451. */
    private String store(Acceptor.Incoming incoming, String client) {
        try {
            return "250 2.0.0 Ok: queued as " + acceptor.accept(incoming);
        } catch (IOException | SQLException e) {
            return writeError(client, e);
        }
    }

    private static String writeError(String client, Exception e) {
        log.error("cannot store message from [{}]: {}", client, e.toString());
        return "451 4.3.0 Error: queue write error, try again later";
    }
}
