package dev.tempfail.lab;

import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * What a rule does at one stage. Replies are SMTP replies as written on the wire without the
 * line ending ({@code 451 4.7.1 Greylisted}); a 2xx lets the command through. Every kind may
 * also wait {@link #delay()} (real time) before answering.
 */
public sealed interface Behaviour {
    /** Real time to wait before answering; zero for none. */
    Duration delay();

    /** The same reply every time. */
    record Fixed(String reply, Duration delay) implements Behaviour {}

    /** The n-th attempt gets the n-th reply; the last one repeats. */
    record Sequence(List<String> replies, Duration delay) implements Behaviour {
        public Sequence {
            replies = List.copyOf(replies);
        }
    }

    /**
     * postgrey: refuse a (sender, recipient, client address) triple with {@code reply} until
     * {@code window} after its first try, then let it through.
     */
    record Greylist(Duration window, String reply, Duration delay) implements Behaviour {}

    /** Let at most {@code perHour} through per sender in any hour (sliding), then answer {@code reply}. */
    record RateLimit(int perHour, String reply, Duration delay) implements Behaviour {}

    /** At most {@code max} connections at once; one more is greeted with {@code reply}. */
    record ConnectionCap(int max, String reply, Duration delay) implements Behaviour {}

    /** Answer {@code reply} during these minutes of every hour (UTC, on the lab clock); otherwise let it through. */
    record Minutes(Set<Integer> minutes, String reply, Duration delay) implements Behaviour {
        public Minutes {
            minutes = Set.copyOf(minutes);
        }
    }

    /** Only wait, then let it through. */
    record DelayOnly(Duration delay) implements Behaviour {}
}
