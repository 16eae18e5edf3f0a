package dev.tempfail.config;

import java.time.Duration;

/**
 * Durations written back the way the configuration reads them: {@code 6m}, {@code 1h21m5s},
 * {@code 72h}. One form for every report, log and command that shows a wait.
 */
public final class Durations {
    private Durations() {}

    /** {@code 0s}, {@code 6m}, {@code 1h21m5s}, {@code 72h}; whole seconds, a negative duration as {@code 0s}. */
    public static String compact(Duration d) {
        long s = d.toSeconds();
        if (s <= 0) return "0s";
        StringBuilder b = new StringBuilder();
        if (s >= 3600) b.append(s / 3600).append('h');
        if (s % 3600 >= 60) b.append(s % 3600 / 60).append('m');
        if (s % 60 > 0) b.append(s % 60).append('s');
        return b.toString();
    }

    /** {@code +0s}, {@code +6m26s}, {@code +72h}: a time since the message arrived. */
    public static String offset(Duration d) {
        return "+" + compact(d);
    }
}
