package dev.tempfail.smtp;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** RFC 2920: MAIL, the RCPTs and DATA go out as a group; the replies are read in order. */
final class PipelinedTransaction {
    /** Commands sent ahead of their replies, so neither side's buffers fill up. */
    static final int PIPELINE_WINDOW = 100;

    private final TransactionSteps steps;

    PipelinedTransaction(TransactionSteps steps) {
        this.steps = steps;
    }

    TransactionOutcome run(SmtpConnection c, EhloCapabilities caps, List<Integer> batch)
            throws IOException, ServerClosing, LocalContentException {
        AttemptState state = steps.state;
        SmtpTimeouts timeouts = steps.timeouts;
        int n = batch.size();
        int total = n + 2; // MAIL, n x RCPT, DATA
        List<Integer> accepted = new ArrayList<>();
        List<Integer> deferred = new ArrayList<>();
        SmtpReply mail = null;
        SmtpReply data = null;
        boolean stopSending = false;
        int sent = 0;
        int read = 0;
        state.stage = Stage.MAIL;
        while (true) {
            while (!stopSending && sent < total && sent - read < PIPELINE_WINDOW) {
                if (sent == total - 1 && read == sent && accepted.isEmpty()) {
                    stopSending = true; // every RCPT reply is in and none accepted: no DATA at all
                    break;
                }
                if (sent == 0) c.send(steps.commands.mail(caps), timeouts.mail());
                else if (sent <= n) c.send(steps.commands.rcpt(batch.get(sent - 1), caps), timeouts.rcpt());
                else c.send("DATA", timeouts.dataInit());
                sent++;
            }
            if (read == sent) break;
            c.flush(timeouts.mail());
            if (read == 0) {
                state.stage = Stage.MAIL;
                mail = c.readReply(timeouts.mail(), "waiting for the reply to MAIL FROM");
                steps.expectCompletion(mail, "MAIL FROM");
                if (!mail.isPositive()) {
                    for (int i : batch) state.settle(i, Stage.MAIL, mail, false);
                    stopSending = true;
                }
            } else if (read <= n) {
                state.stage = Stage.RCPT;
                SmtpReply r = c.readReply(timeouts.rcpt(), "waiting for the reply to RCPT TO");
                if (mail.isPositive()) steps.onRcptReply(batch.get(read - 1), r, accepted, deferred);
                else steps.expectCompletion(r, "RCPT TO"); // the transaction is gone already; only a 421 matters
            } else {
                state.stage = Stage.DATA;
                data = c.readReply(timeouts.dataInit(), "waiting for the reply to DATA");
            }
            read++;
        }
        if (!mail.isPositive() || accepted.isEmpty()) {
            if (data != null && data.code() == 354) {
                // RFC 2920 section 3.1: DATA was accepted with no recipient: end it with a lone dot.
                state.stage = Stage.DATA;
                c.send(".", timeouts.dataEnd());
                c.flush(timeouts.dataEnd());
                SmtpReply r = c.readReply(timeouts.dataEnd(), "waiting for the reply to an empty DATA");
                if (r.code() == 421) throw new ServerClosing(Stage.DATA, r);
            }
            return new TransactionOutcome(deferred, true);
        }
        return steps.data(c, accepted, deferred, data);
    }
}
