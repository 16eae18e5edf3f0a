package dev.tempfail.reply;

import dev.tempfail.config.ConfigLoader;
import dev.tempfail.smtp.SmtpReply;
import dev.tempfail.smtp.Stage;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

class RetryTimelineTest {
    private static final Instant ARRIVAL = Instant.parse("2026-03-02T09:00:00Z");

    @Test
    void theLastReplyRepeatsUntilTheRecipientIsDone() {
        RetryPolicy policy = new RetryPolicy(ConfigLoader.defaults().retry(), new SplittableRandom(11));
        List<RetryTimeline.Attempt> t = RetryTimeline.simulate(ReplyClassifier.shipped(), policy, Stage.RCPT, null, List.of(
                SmtpReply.parse("451 4.7.1 Greylisted, try again after some time."),
                SmtpReply.parse("550 5.1.1 <a@example.org>: Recipient address rejected: User unknown in local recipient table")),
                ARRIVAL);
        assertEquals(2, t.size());
        assertEquals(Duration.ZERO, t.get(0).offset());
        RetryDecision.RetryAt r = assertInstanceOf(RetryDecision.RetryAt.class, t.get(0).decision().action());
        assertEquals(r.delay(), t.get(1).offset());
        assertEquals(new RetryDecision.Failed(Category.BAD_MAILBOX, "5.1.1"), t.get(1).decision().action());
        assertEquals(2, t.get(1).number());
    }

    @Test
    void noRepliesIsAnError() {
        RetryPolicy policy = new RetryPolicy(ConfigLoader.defaults().retry(), new SplittableRandom(1));
        assertThrows(IllegalArgumentException.class,
                () -> RetryTimeline.simulate(ReplyClassifier.shipped(), policy, Stage.RCPT, null, List.of(), ARRIVAL));
    }
}
