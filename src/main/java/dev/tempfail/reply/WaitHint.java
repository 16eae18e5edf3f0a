package dev.tempfail.reply;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A wait that a reply asks for in its own words: "try again in 5 minutes", "retry after 300
 * seconds", "Greylisted for 300 seconds", "please come back in 00:05:00", or a rate such as
 * "(2/h)" or "100 messages per hour", which allows one message every hour/N.
 *
 * @param duration the shortest wait the reply asks for; null if it names none
 * @param perHour  the rate it allows per hour; 0 if it names none
 */
public record WaitHint(Duration duration, int perHour) {
    static final WaitHint NONE = new WaitHint(null, 0);

    private static final String UNIT = "(seconds?|secs?|s|minutes?|mins?|m|hours?|hrs?|h|days?|d)";
    /** A retry word, then (within a few words, crossing no number or sentence end) a number and a unit. */
    private static final Pattern AFTER = Pattern.compile(
            "\\b(?:re-?try|try|come back|wait|resend|send|greylisted|deferred|delayed|blocked)\\b[^.;,()\\d]{0,30}?"
                    + "\\b(\\d{1,7})\\s*" + UNIT + "\\b", Pattern.CASE_INSENSITIVE);
    private static final Pattern CLOCK = Pattern.compile(
            "\\b(?:in|after|for)\\s+(\\d{1,2}):(\\d{2}):(\\d{2})\\b", Pattern.CASE_INSENSITIVE);
    private static final Pattern RATE = Pattern.compile(
            "\\(\\s*(\\d{1,6})\\s*/\\s*(h|hr|hour|m|min|minute)\\s*\\)"
                    + "|\\b(\\d{1,6})\\s+(?:messages?|e-?mails?|mails?|msgs?|connections?)\\s+(?:per|an?|/)\\s*(hour|minute|min)\\b",
            Pattern.CASE_INSENSITIVE);

    /** The hint in a reply's text (enhanced status code and all); {@link #NONE} if there is none. */
    public static WaitHint parse(String text) {
        Duration wait = null;
        Matcher m = AFTER.matcher(text);
        while (m.find()) {
            wait = longer(wait, amount(Long.parseLong(m.group(1)), m.group(2)));
        }
        Matcher c = CLOCK.matcher(text);
        while (c.find()) {
            wait = longer(wait, Duration.ofHours(Long.parseLong(c.group(1)))
                    .plusMinutes(Long.parseLong(c.group(2))).plusSeconds(Long.parseLong(c.group(3))));
        }
        int perHour = 0;
        Matcher r = RATE.matcher(text);
        if (r.find()) {
            long n = Long.parseLong(r.group(1) != null ? r.group(1) : r.group(3));
            String unit = (r.group(2) != null ? r.group(2) : r.group(4)).toLowerCase(Locale.ROOT);
            if (n > 0) {
                boolean minute = unit.startsWith("m");
                perHour = (int) Math.min(Integer.MAX_VALUE, minute ? n * 60 : n);
                wait = longer(wait, Duration.ofSeconds(Math.max(1, (minute ? 60 : 3600) / n)));
            }
        }
        return wait == null && perHour == 0 ? NONE : new WaitHint(wait, perHour);
    }

    private static Duration amount(long n, String unit) {
        return switch (unit.toLowerCase(Locale.ROOT).charAt(0)) {
            case 'd' -> Duration.ofDays(n);
            case 'h' -> Duration.ofHours(n);
            case 'm' -> Duration.ofMinutes(n);
            default -> Duration.ofSeconds(n);
        };
    }

    static Duration longer(Duration a, Duration b) {
        if (a == null) return b;
        if (b == null) return a;
        return a.compareTo(b) >= 0 ? a : b;
    }
}
