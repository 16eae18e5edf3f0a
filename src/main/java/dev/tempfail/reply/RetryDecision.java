package dev.tempfail.reply;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * What to do with a recipient after one reply.
 *
 * @param action      delivered, failed, try again at a time, or expired
 * @param warnDelay   the recipient has just passed {@code retry.delay_warning} still undelivered:
 *                    send the sender a delay DSN now (true at most once per recipient)
 * @param destination how to treat the destination as a whole; empty = as before
 * @param next        the recipient's state to keep for the next decision
 * @param cutHint     the wait the reply asked for when it was longer than {@code retry.max_wait_hint}
 *                    and so was cut to it; null when it was not
 */
public record RetryDecision(Action action, boolean warnDelay, Optional<DestinationEffect> destination, RetryState next,
                            Duration cutHint) {

    public RetryDecision {
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(destination, "destination");
        Objects.requireNonNull(next, "next");
    }

    /** One of {@link Delivered}, {@link Failed}, {@link RetryAt}, {@link Expired}. */
    public sealed interface Action permits Delivered, Failed, RetryAt, Expired {}

    /** The remote server took the message for this recipient. */
    public record Delivered() implements Action {}

    /** A permanent failure: bounce with this status. */
    public record Failed(Category category, String status) implements Action {}

    /**
     * Try again at {@code at} ({@code delay} after now).
     *
     * @param newTransaction send this recipient in a new transaction (the reply asked for one)
     */
    public record RetryAt(Instant at, Duration delay, boolean newTransaction) implements Action {}

    /**
     * Still failing temporarily when the lifetime ran out: bounce with {@code status}
     * ({@code 4.4.7}), quoting the last reply.
     *
     * @param category the category of the last temporary failure
     */
    public record Expired(Category category, String status) implements Action {}
}
