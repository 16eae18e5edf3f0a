package dev.tempfail.smtp;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** A transaction without PIPELINING: MAIL, each RCPT and DATA, each waiting for its reply. */
final class LockstepTransaction {
    private final TransactionSteps steps;

    LockstepTransaction(TransactionSteps steps) {
        this.steps = steps;
    }

    TransactionOutcome run(SmtpConnection c, EhloCapabilities caps, List<Integer> batch)
            throws IOException, ServerClosing, LocalContentException {
        AttemptState state = steps.state;
        SmtpTimeouts timeouts = steps.timeouts;
        state.stage = Stage.MAIL;
        c.send(steps.commands.mail(caps), timeouts.mail());
        c.flush(timeouts.mail());
        SmtpReply mail = c.readReply(timeouts.mail(), "waiting for the reply to MAIL FROM");
        steps.expectCompletion(mail, "MAIL FROM");
        if (!mail.isPositive()) {
            for (int i : batch) state.settle(i, Stage.MAIL, mail, false);
            return new TransactionOutcome(List.of(), false);
        }
        state.stage = Stage.RCPT;
        List<Integer> accepted = new ArrayList<>();
        List<Integer> deferred = new ArrayList<>();
        for (int i : batch) {
            if (!deferred.isEmpty()) { // the server is full: the rest wait for the next transaction
                deferred.add(i);
                continue;
            }
            c.send(steps.commands.rcpt(i, caps), timeouts.rcpt());
            c.flush(timeouts.rcpt());
            steps.onRcptReply(i, c.readReply(timeouts.rcpt(), "waiting for the reply to RCPT TO"), accepted, deferred);
        }
        if (accepted.isEmpty()) return new TransactionOutcome(deferred, true);
        return steps.data(c, accepted, deferred, null);
    }
}
