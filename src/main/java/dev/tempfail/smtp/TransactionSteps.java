package dev.tempfail.smtp;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/** What the lock-step and the pipelined transaction have in common: reading RCPT replies, and the DATA stage. */
final class TransactionSteps {
    final AttemptState state;
    final SmtpTimeouts timeouts;
    final EnvelopeCommands commands;

    TransactionSteps(AttemptState state, SmtpTimeouts timeouts) {
        this.state = state;
        this.timeouts = timeouts;
        this.commands = new EnvelopeCommands(state.env, state.size);
    }

    /** The DATA stage for the accepted recipients; {@code dataReply} is the 354 (or refusal) if already read. */
    TransactionOutcome data(SmtpConnection c, List<Integer> accepted, List<Integer> deferred, SmtpReply dataReply)
            throws IOException, ServerClosing, LocalContentException {
        state.stage = Stage.DATA;
        if (dataReply == null) {
            c.send("DATA", timeouts.dataInit());
            c.flush(timeouts.dataInit());
            dataReply = c.readReply(timeouts.dataInit(), "waiting for the reply to DATA");
        }
        if (dataReply.code() != 354) {
            if (dataReply.code() < 400) throw new SmtpProtocolException("unexpected reply to DATA: " + dataReply);
            if (dataReply.code() == 421) throw new ServerClosing(Stage.DATA, dataReply);
            for (int i : accepted) state.settle(i, Stage.DATA, dataReply, false);
            return new TransactionOutcome(deferred, true);
        }
        InputStream in;
        try {
            in = state.content.open();
        } catch (IOException e) {
            throw new LocalContentException(e);
        }
        try {
            c.sendContent(in, timeouts.dataBlock());
        } finally {
            try {
                in.close();
            } catch (IOException ignored) {
                // everything was read, or the send failed anyway
            }
        }
        state.awaitingDotReply = true;
        SmtpReply end = c.readReply(timeouts.dataEnd(), "waiting for the reply to the end of data");
        state.awaitingDotReply = false;
        expectCompletion(end, "the end of data");
        for (int i : accepted) state.settle(i, Stage.DATA, end, false);
        return new TransactionOutcome(deferred, false);
    }

    /** Accepted, refused for good, or (too many recipients) kept for the next transaction. */
    void onRcptReply(int i, SmtpReply r, List<Integer> accepted, List<Integer> deferred) throws IOException, ServerClosing {
        expectCompletion(r, "RCPT TO");
        if (r.isPositive()) {
            accepted.add(i);
        } else if (!accepted.isEmpty() && tooManyRecipients(r)) {
            deferred.add(i);
        } else {
            state.settle(i, Stage.RCPT, r, false);
        }
    }

    /** A reply that ends a command: 2xx, 4xx or 5xx. A 421 means the server is closing the connection. */
    void expectCompletion(SmtpReply r, String command) throws SmtpProtocolException, ServerClosing {
        if (r.code() == 421) throw new ServerClosing(state.stage, r);
        if (r.code() >= 300 && r.code() < 400) throw new SmtpProtocolException("unexpected reply to " + command + ": " + r);
    }

    /** {@code 452 4.5.3} (or a 452 without enhanced code) after an accepted RCPT: the server's recipient limit. */
    static boolean tooManyRecipients(SmtpReply r) {
        return r.code() == 452 && (r.enhancedStatus() == null || r.enhancedStatus().equals("4.5.3"));
    }
}
