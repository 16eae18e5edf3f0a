package dev.tempfail.smtp;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static dev.tempfail.smtp.LocalReplies.synthetic;

/**
 * Everything said on one open session: as many transactions as the server's recipient limit
 * needs (RSET between them), then the connection is kept for reuse or closed with QUIT.
 */
final class TransactionLoop {
    private static final Logger log = LoggerFactory.getLogger("tempfail/smtp");

    private final ClientSettings settings;
    private final SmtpTimeouts timeouts;
    private final AttemptState state;
    private final TransactionSteps steps;

    TransactionLoop(ClientSettings settings, AttemptState state) {
        this.settings = settings;
        this.timeouts = settings.timeouts();
        this.state = state;
        this.steps = new TransactionSteps(state, timeouts);
    }

    DeliveryResult run(SmtpConnection c, EhloCapabilities caps) {
        List<Integer> pending = new ArrayList<>();
        for (int i = 0; i < state.results.length; i++) pending.add(i);
        int transactions = 0;
        boolean needRset = false;
        boolean kept = false;
        try {
            while (!pending.isEmpty()) {
                if (needRset) {
                    state.stage = Stage.MAIL;
                    c.send("RSET", timeouts.mail());
                    c.flush(timeouts.mail());
                    SmtpReply r = c.readReply(timeouts.mail(), "waiting for the reply to RSET");
                    steps.expectCompletion(r, "RSET");
                    if (!r.isPositive()) {
                        for (int i : pending) state.settle(i, Stage.MAIL, r, false);
                        break;
                    }
                }
                transactions++;
                c.countTransaction();
                TransactionOutcome t = caps.pipelining()
                        ? new PipelinedTransaction(steps).run(c, caps, pending)
                        : new LockstepTransaction(steps).run(c, caps, pending);
                if (t.deferred().size() >= pending.size()) { // no progress: cannot happen, must not loop
                    log.error("transaction to {} settled no recipient; giving up on the rest", c.target());
                    break;
                }
                pending = t.deferred();
                needRset = t.needRset();
            }
            kept = keepForReuse(c, caps);
            if (!kept) c.quit(timeouts.mail());
        } catch (ServerClosing x) {
            c.close();
            state.settleRest(x.stage, x.reply, false);
        } catch (LocalContentException e) {
            c.close(); // without the final dot: the server must not deliver a truncated message
            state.settleRest(Stage.DATA, synthetic(451, "4.3.0", "Local error reading the message content: " + e.getMessage()), true);
        } catch (IOException e) {
            c.close();
            state.settleRest(state.stage, state.transactionFailure(e), true);
        } finally {
            if (!kept) c.close();
        }
        for (int i = 0; i < state.results.length; i++) {
            if (state.results[i] == null) { // a bug, never a silent success
                log.error("no result for recipient {} after talking to {}", state.env.recipients().get(i).address(), c.target());
                state.settle(i, state.stage, synthetic(451, "4.3.0", "Internal error: no reply recorded for this recipient"), true);
            }
        }
        return new DeliveryResult(c.target(), c.tls(), c.tlsCipher(), c.verified(), caps, transactions,
                List.of(state.results), state.failures);
    }

    /** RSET and into the cache, if reuse is on and the server agrees; false if the connection is to be closed. */
    private boolean keepForReuse(SmtpConnection c, EhloCapabilities caps) throws IOException {
        ConnectionCache cache = settings.cache();
        if (cache == null) return false;
        if (state.messagesPerConnection > 0 && c.transactions() >= state.messagesPerConnection) return false;
        state.stage = Stage.MAIL;
        c.send("RSET", timeouts.mail());
        c.flush(timeouts.mail());
        if (c.readReply(timeouts.mail(), "waiting for the reply to RSET").code() != 250) return false;
        cache.put(c.target(), c, caps, timeouts.mail());
        return true;
    }
}
