package dev.tempfail.queue;

import java.security.SecureRandom;
import java.time.Clock;

/**
 * Queue ids as users see them in logs and replies ("queued as 4C9ZKQ2M7HBTX"): the arrival
 * time in microseconds, then random characters, in an alphabet without vowels (as Postfix
 * does) so that no id spells a word. Ids sort roughly by arrival.
 */
public final class QueueIds {
    private static final char[] ALPHABET = "0123456789BCDFGHJKLMNPQRSTVWXZ".toCharArray();
    private static final SecureRandom RANDOM = new SecureRandom();

    private QueueIds() {}

    public static String next(Clock clock) {
        long micros = clock.millis() * 1000 + (System.nanoTime() / 1000) % 1000;
        StringBuilder time = new StringBuilder();
        for (long v = micros; v > 0; v /= ALPHABET.length) time.append(ALPHABET[(int) (v % ALPHABET.length)]);
        time.reverse();
        for (int i = 0; i < 5; i++) time.append(ALPHABET[RANDOM.nextInt(ALPHABET.length)]);
        return time.toString();
    }
}
