package dev.tempfail.reply;

import java.time.Instant;
import java.util.Objects;

/**
 * What the retry policy needs to know about one recipient before deciding on its latest reply.
 * The queue keeps it; each {@link RetryDecision} carries the state to keep after it.
 *
 * @param arrival     when the message arrived: the lifetime and the delay warning count from here
 * @param attempts    delivery attempts so far, not counting the one being decided
 * @param category    the category of the last temporary failure; null if none yet
 * @param streak      how many temporary failures of that category came in a row (0 if none)
 * @param delayWarned the sender has been (or is being) told of the delay
 */
public record RetryState(Instant arrival, int attempts, Category category, int streak, boolean delayWarned) {

    public RetryState {
        Objects.requireNonNull(arrival, "arrival");
        if (attempts < 0 || streak < 0) throw new IllegalArgumentException("attempts and streak must not be negative");
    }

    /** A recipient of a message that has just arrived: nothing tried yet. */
    public static RetryState arrived(Instant arrival) {
        return new RetryState(arrival, 0, null, 0, false);
    }

    /** The state after one more attempt classified {@code c}. */
    RetryState after(Classification c, boolean warned) {
        if (!c.isTransient()) return new RetryState(arrival, attempts + 1, category, streak, delayWarned || warned);
        int run = c.category() == category ? streak + 1 : 1;
        return new RetryState(arrival, attempts + 1, c.category(), run, delayWarned || warned);
    }
}
