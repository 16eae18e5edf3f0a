package dev.tempfail.reply;

import dev.tempfail.config.Durations;
import dev.tempfail.config.RetryConfig;
import dev.tempfail.config.RetryConfig.Backoff;

import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * Decides what happens to a recipient after a reply: delivered, failed, when to try again, or
 * expired; whether the sender should now hear of the delay; and whether the destination as a
 * whole should be paused or throttled.
 *
 * <p>Temporary failures wait by category ({@code retry.backoff} in {@code tempfail.yaml}): the
 * listed waits for the 1st, 2nd, ... failure of that category in a row, then growing by the
 * factor up to the maximum. Every wait is moved at random by up to {@code retry.jitter} percent
 * either way, so that retries spread out instead of arriving together. A wait the reply asks for
 * itself is never cut short; when it is the longer, the jitter only lengthens it.
 *
 * <p>No attempt is scheduled past the lifetime ({@code retry.lifetime}, counted from the
 * message's arrival): when the next wait would overshoot it, the last attempt is placed at the
 * end of the lifetime (even if the reply asked for a longer wait), and a recipient still failing
 * temporarily then expires with {@code 4.4.7}. Likewise, while the delay warning is still due,
 * an attempt is placed at the moment it falls due (unless that would cut a reply's own wait
 * short), so the sender hears of the delay on time and only about recipients that are really
 * still undelivered.
 *
 * <p>The relay, not the remote server, sets the bounds: a wait a reply asks for is cut to
 * {@code retry.max_wait_hint} (the decision says so, for the log), and no destination pause is
 * longer than {@code retry.max_pause}, so a "try again in 30 days" neither stalls a recipient
 * past its lifetime nor holds a destination for a month.
 */
public final class RetryPolicy {
    /** The status of a recipient whose lifetime ran out (RFC 3463: delivery time expired). */
    public static final String EXPIRED_STATUS = "4.4.7";

    private final Duration lifetime;
    private final Duration delayWarning;
    private final double jitter;
    private final Map<Category, Backoff> backoff = new EnumMap<>(Category.class);
    private final RandomGenerator random;
    private final Duration maxWaitHint;
    private final Duration maxPause;

    /**
     * @param random the source of jitter. A policy shared by several threads needs a thread-safe
     *               one ({@link java.util.Random}); tests pass a seeded generator to replay decisions.
     */
    public RetryPolicy(RetryConfig config, RandomGenerator random) {
        this.lifetime = config.lifetime();
        this.delayWarning = config.delayWarning();
        this.jitter = config.jitterPercent() / 100.0;
        this.random = Objects.requireNonNull(random, "random");
        this.maxWaitHint = config.maxWaitHint();
        this.maxPause = config.maxPause();
        for (Category c : Category.values()) {
            Backoff b = config.backoff().get(c.label());
            if (b == null) throw new IllegalArgumentException("retry.backoff has no entry for " + c.label());
            backoff.put(c, b);
        }
    }

    public Duration lifetime() {
        return lifetime;
    }

    /**
     * @param c   the classification of the latest reply for this recipient
     * @param s   the recipient's state before that reply
     * @param now when the reply came
     */
    public RetryDecision decide(Classification c, RetryState s, Instant now) {
        if (c.isDelivered()) return new RetryDecision(new RetryDecision.Delivered(), false, Optional.empty(), s.after(c, false), null);
        if (c.isPermanent()) {
            return new RetryDecision(new RetryDecision.Failed(c.category(), c.status()), false, Optional.empty(),
                    s.after(c, false), null);
        }
        Duration hint = bounded(c.waitHint());
        Duration cut = c.waitHint() != null && c.waitHint().compareTo(maxWaitHint) > 0 ? c.waitHint() : null;
        Backoff b = backoff.get(c.category());
        Optional<DestinationEffect> effect = effect(c, b, hint, now);
        Instant deadline = s.arrival().plus(lifetime);
        if (!now.isBefore(deadline)) {
            return new RetryDecision(new RetryDecision.Expired(c.category(), EXPIRED_STATUS), false, effect,
                    s.after(c, false), cut);
        }
        int run = s.after(c, false).streak();
        boolean atOnce = c.newTransaction() && run == 1;
        Instant at = atOnce ? now : now.plus(jittered(curve(b, c.newTransaction() ? run - 1 : run), hint));

        boolean warn = false;
        if (!s.delayWarned() && positive(delayWarning) && delayWarning.compareTo(lifetime) < 0) {
            Instant due = s.arrival().plus(delayWarning);
            if (!now.isBefore(due)) {
                warn = true;
            } else if (at.isAfter(due) && (hint == null || !now.plus(hint).isAfter(due) || pauses(effect))) {
                // a paused destination holds the recipient at that moment without trying it
                at = due;
            }
        }
        if (at.isAfter(deadline)) at = deadline;
        return new RetryDecision(new RetryDecision.RetryAt(at, Duration.between(now, at), atOnce), warn, effect,
                s.after(c, warn), cut);
    }

    /**
     * When a recipient that cannot be tried now (its destination is paused or held to its
     * hourly rate until {@code notBefore}) should next be looked at: then, or earlier if its
     * delay warning falls due or its lifetime ends before that, so that a pause never keeps the
     * sender from hearing on time nor a recipient in the queue past its lifetime.
     */
    public Instant heldUntil(RetryState s, Instant notBefore) {
        Instant at = notBefore;
        Instant deadline = s.arrival().plus(lifetime);
        if (deadline.isBefore(at)) at = deadline;
        if (!s.delayWarned() && positive(delayWarning) && delayWarning.compareTo(lifetime) < 0) {
            Instant due = s.arrival().plus(delayWarning);
            if (due.isBefore(at)) at = due;
        }
        return at;
    }

    /** Whether a held recipient must be decided now rather than put back: its lifetime is over, or its delay warning is due. */
    public boolean dueWhileHeld(RetryState s, Instant now) {
        return !heldUntil(s, now.plusMillis(1)).isAfter(now);
    }

    private static boolean pauses(Optional<DestinationEffect> effect) {
        return effect.isPresent() && effect.get().pauseUntil() != null;
    }

    /** A reply's own wait, cut to {@code retry.max_wait_hint}. */
    Duration bounded(Duration hint) {
        return hint != null && hint.compareTo(maxWaitHint) > 0 ? maxWaitHint : hint;
    }

    /**
     * Why {@code d} (this policy's decision on {@code c} for a recipient in state {@code before})
     * chose its next attempt, in a line for {@code queue show}; null unless it is a retry.
     */
    public String explain(Classification c, RetryState before, RetryDecision d) {
        if (!(d.action() instanceof RetryDecision.RetryAt r)) return null;
        if (r.newTransaction()) return "at once in a new transaction, as the reply asks (the first time)";
        Instant deadline = before.arrival().plus(lifetime);
        if (r.at().equals(deadline)) return "the last try, at the end of the lifetime (" + Durations.compact(lifetime) + ")";
        if (!before.delayWarned() && positive(delayWarning) && r.at().equals(before.arrival().plus(delayWarning))) {
            return "moved to the delay warning time (" + Durations.compact(delayWarning) + " after arrival)";
        }
        int run = d.next().streak();
        Duration base = curve(backoff.get(c.category()), c.newTransaction() ? run - 1 : run);
        String label = c.category().label() + " #" + run + " in a row";
        if (c.waitHint() != null && c.waitHint().compareTo(base) >= 0) {
            return label + ": the reply asks for " + Durations.compact(c.waitHint()) + " (the curve says "
                    + Durations.compact(base) + "); jitter only lengthens it";
        }
        return label + ": " + Durations.compact(base) + " from retry.backoff." + c.category().label() + ", jitter ±"
                + Math.round(jitter * 100) + "%";
    }

    /**
     * The wait the relay takes after this reply as a recipient's first failure of its kind,
     * before jitter: the category's first wait, or the reply's own wait when that is longer.
     * Null when the reply is not a temporary failure. This is what {@code tempfail classify} shows.
     */
    public Duration firstWait(Classification c) {
        if (!c.isTransient()) return null;
        if (c.newTransaction()) return Duration.ZERO;
        Duration base = curve(backoff.get(c.category()), 1);
        Duration hint = bounded(c.waitHint());
        return hint != null && hint.compareTo(base) > 0 ? hint : base;
    }

    /** The wait before jitter after the {@code run}-th failure of a category in a row (1-based). */
    static Duration curve(Backoff b, int run) {
        int i = Math.max(0, run - 1);
        if (i < b.waits().size()) return b.waits().get(i);
        double seconds = b.waits().get(b.waits().size() - 1).toSeconds() * Math.pow(b.factor(), i - b.waits().size() + 1);
        return seconds >= b.max().toSeconds() ? b.max() : Duration.ofSeconds(Math.round(seconds));
    }

    /**
     * {@code base} moved at random by up to the jitter either way, never shorter than {@code floor}
     * (the reply's own wait; may be null). When the floor is the longer, it is moved up only.
     */
    private Duration jittered(Duration base, Duration floor) {
        double u = random.nextDouble() * 2 - 1;
        boolean hinted = floor != null && floor.compareTo(base) >= 0;
        long center = Math.max(1, (hinted ? floor : base).toSeconds());
        if (hinted) u = Math.abs(u);
        long lo = (long) Math.ceil(center * (1 - jitter));
        long hi = (long) Math.floor(center * (1 + jitter));
        long w = Math.max(lo, Math.min(hi, Math.round(center * (1 + jitter * u))));
        if (floor != null) w = Math.max(w, floor.toSeconds());
        // a wait the reply asked for is never stretched past the relay's own bound on it
        if (hinted) w = Math.min(w, Math.max(floor.toSeconds(), maxWaitHint.toSeconds()));
        return Duration.ofSeconds(Math.max(1, w));
    }

    private static boolean positive(Duration d) {
        return !d.isZero() && !d.isNegative();
    }

    /**
     * The pause is the category's, or the wait the reply (about the whole destination) asks for
     * when longer, never past {@code retry.max_pause}; {@code hint} is already bounded by
     * {@code retry.max_wait_hint}.
     */
    private Optional<DestinationEffect> effect(Classification c, Backoff b, Duration hint, Instant now) {
        if (!c.concernsDestination()) return Optional.empty();
        Duration pause = b.pause();
        if (hint != null && hint.compareTo(pause) > 0) pause = hint;
        if (pause.compareTo(maxPause) > 0) pause = maxPause;
        if (!positive(pause) && b.connections() == 0 && c.perHour() == 0) return Optional.empty();
        return Optional.of(new DestinationEffect(positive(pause) ? now.plus(pause) : null, b.connections(), c.perHour(),
                c.category().label() + ": " + c.reply()));
    }
}
