package dev.tempfail.smtp;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import static dev.tempfail.smtp.LocalReplies.describe;
import static dev.tempfail.smtp.LocalReplies.synthetic;

/**
 * One call of {@link SmtpClient#deliver}: what is to be sent, where the conversation is, and the
 * results so far (a reply per recipient, the hosts given up).
 */
final class AttemptState {
    private static final Logger log = LoggerFactory.getLogger("tempfail/smtp");

    final Envelope env;
    final MessageContent content;
    /** The size announced with SIZE= (0: none). */
    final long size;
    final Security security;
    /** A connection that has carried this many transactions is closed, not cached; 0 = no limit. */
    final int messagesPerConnection;
    final RecipientResult[] results;
    final List<HostFailure> failures = new ArrayList<>();
    /** Where the conversation is: the stage a lost connection or timeout is reported at. */
    Stage stage = Stage.CONNECT;
    /** The final dot went out and its reply has not come yet: the message may have been delivered. */
    boolean awaitingDotReply;

    AttemptState(Envelope env, MessageContent content, long size, Security security, int messagesPerConnection) {
        this.env = env;
        this.content = Objects.requireNonNull(content, "content");
        this.size = size;
        this.security = security;
        this.messagesPerConnection = messagesPerConnection;
        this.results = new RecipientResult[env.recipients().size()];
    }

    void settle(int i, Stage at, SmtpReply reply, boolean synthetic) {
        results[i] = new RecipientResult(env.recipients().get(i).address(), at, reply, synthetic);
    }

    /** Every recipient without a final answer yet gets this one. */
    void settleRest(Stage at, SmtpReply reply, boolean synthetic) {
        for (int i = 0; i < results.length; i++) if (results[i] == null) settle(i, at, reply, synthetic);
    }

    /** A host given up, with a reply this client made up. */
    void fail(Target target, Stage at, SmtpReply reply) {
        log.debug("{}: {}", target, reply);
        failures.add(new HostFailure(target, at, reply, true));
    }

    /** The synthetic reply for an I/O or protocol error in a transaction, at the current stage. */
    SmtpReply transactionFailure(IOException e) {
        if (e instanceof SmtpProtocolException) {
            return synthetic(451, "4.5.0", "Protocol error during " + stage.name() + ": " + e.getMessage());
        }
        String text = (e instanceof SmtpTimeoutException ? "Timeout during " : "Connection lost during ")
                + stage.name() + ": " + describe(e);
        if (awaitingDotReply) text += "; the message may have been delivered";
        return synthetic(451, "4.4.2", text);
    }
}
