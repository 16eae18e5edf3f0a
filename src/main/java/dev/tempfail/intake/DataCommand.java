package dev.tempfail.intake;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.subethamail.smtp.internal.server.BaseCommand;
import org.subethamail.smtp.server.Session;

import java.io.IOException;
import java.sql.SQLException;

/**
 * DATA: reads the message strictly ({@link DataReader}), stores it, and answers 250 only
 * after the commit. A client that disconnects mid-DATA gets nothing stored: the EOF ends
 * the session before anything reaches the queue.
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
        sess.sendResponse("354 End data with <CR><LF>.<CR><LF>");
        DataReader.Result data = DataReader.read(sess.getRawInput(), maxMessageSize);
        Envelope envelope = (Envelope) sess.getMessageHandler();
        String client = sess.getRemoteAddress().getAddress().getHostAddress();
        try {
            if (data.tooLarge()) {
                log.info("reject: DATA from [{}]: {} bytes over the limit of {}", client, data.size(), maxMessageSize);
                sess.sendResponse("552 5.3.4 Error: message file too big (limit " + maxMessageSize + " bytes)");
            } else if (data.bareLineEnding()) {
                log.info("reject: DATA from [{}]: bare <CR> or <LF> in message data", client);
                sess.sendResponse("550 5.5.2 Error: bare <CR> or <LF> in message data; lines must end with <CR><LF>");
            } else {
                String helo = sess.getHelo().orElse(null);
                String queueId = acceptor.accept(envelope, data.content(), helo, client, sessions.isEsmtp(sess));
                sess.sendResponse("250 2.0.0 Ok: queued as " + queueId);
            }
        } catch (SQLException e) {
            log.error("cannot store message from [{}]: {}", client, e.toString());
            sess.sendResponse("451 4.3.0 Error: queue write error, try again later");
        } finally {
            sess.resetMailTransaction();
        }
    }
}
