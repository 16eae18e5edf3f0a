package dev.tempfail.reply;

import dev.tempfail.smtp.SmtpReply;
import dev.tempfail.smtp.Stage;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What the policy would do if a destination kept answering a recipient with the given replies
 * (the last one repeating): every attempt, from the message's arrival until it is delivered,
 * fails or expires. Nothing is sent; this is {@code tempfail schedule} and a test aid.
 */
public final class RetryTimeline {
    /** More attempts than any sane configuration makes in a lifetime. */
    static final int MAX_ATTEMPTS = 100_000;

    /**
     * One attempt.
     *
     * @param number         1, 2, ...
     * @param offset         its time after the message's arrival
     * @param classification what its reply meant
     * @param decision       what the policy made of it
     */
    public record Attempt(int number, Duration offset, Classification classification, RetryDecision decision) {}

    private RetryTimeline() {}

    /**
     * @param replies what the destination answers at each attempt, the last one repeating; not empty
     * @param arrival when the message arrived; the first attempt is at this instant
     * @return every attempt; the last one's decision is not {@link RetryDecision.RetryAt}
     */
    public static List<Attempt> simulate(ReplyClassifier classifier, RetryPolicy policy, Stage stage, String host,
                                         List<SmtpReply> replies, Instant arrival) {
        if (replies.isEmpty()) throw new IllegalArgumentException("no replies to simulate");
        List<Attempt> out = new ArrayList<>();
        RetryState state = RetryState.arrived(arrival);
        Instant now = arrival;
        for (int i = 0; i < MAX_ATTEMPTS; i++) {
            SmtpReply reply = replies.get(Math.min(i, replies.size() - 1));
            Classification c = classifier.classify(stage, reply, host);
            RetryDecision d = policy.decide(c, state, now);
            out.add(new Attempt(i + 1, Duration.between(arrival, now), c, d));
            if (!(d.action() instanceof RetryDecision.RetryAt r)) return out;
            now = r.at();
            state = d.next();
        }
        throw new IllegalStateException("no end after " + MAX_ATTEMPTS + " attempts: check retry.backoff");
    }
}
