package dev.tempfail.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * How long temporary failures are retried, how the waits grow for each category of reply,
 * and when the sender hears about the delay.
 *
 * @param lifetime      a recipient still failing temporarily this long after the message arrived expires (4.4.7)
 * @param delayWarning  when to send a delay DSN; zero = never
 * @param rulesFile     the user's own reply rules, checked before the shipped ones
 * @param jitterPercent every wait is moved at random by up to this many percent, either way
 * @param backoff       by category label ({@code greylisted}, {@code rate_limited}, ...): how the waits grow
 * @param maxWaitHint   a wait a reply asks for ("try again in 30 days") is cut to this, and logged
 * @param maxPause      no destination pause, whatever the reply or its category asks, is longer
 * @param capRelease    an hourly cap ("(2/h)") relaxes one step after this long without another rate-limit reply
 * @param wordModel     whether the word model may overrule the shipped rules where it is sure (false: the rules alone)
 */
public record RetryConfig(Duration lifetime, Duration delayWarning, Optional<Path> rulesFile, int jitterPercent,
                          Map<String, Backoff> backoff, Duration maxWaitHint, Duration maxPause, Duration capRelease,
                          boolean wordModel) {

    public RetryConfig {
        backoff = Map.copyOf(backoff);
    }

    /**
     * The waits after temporary failures of one category in a row.
     *
     * @param waits       after the 1st, 2nd, ... such failure; past the list each wait is the last times {@code factor}
     * @param factor      growth after the list (1 = stay)
     * @param max         no wait from this curve is longer (a reply's own hint may be)
     * @param pause       hold all mail to the destination this long; zero = no pause
     * @param connections then at most this many connections to the destination; 0 = no cap
     */
    public record Backoff(List<Duration> waits, double factor, Duration max, Duration pause, int connections) {
        public Backoff {
            waits = List.copyOf(waits);
        }
    }

    static RetryConfig from(Settings s) {
        Duration lifetime = s.duration("retry.lifetime");
        if (lifetime.isZero()) throw s.error("retry.lifetime", "must be longer than 0");
        Optional<Path> rules = s.isNull("retry.rules_file") ? Optional.empty() : Optional.of(s.path("retry.rules_file"));
        Map<String, Backoff> backoff = new LinkedHashMap<>();
        for (String category : s.keys("retry.backoff")) {
            backoff.put(category, backoff(s, "retry.backoff." + category));
        }
        Duration maxWaitHint = s.duration("retry.max_wait_hint");
        if (maxWaitHint.toSeconds() < 1) throw s.error("retry.max_wait_hint", "must be at least 1s");
        Duration capRelease = s.duration("retry.cap_release");
        if (capRelease.toSeconds() < 1) throw s.error("retry.cap_release", "must be at least 1s");
        return new RetryConfig(lifetime, s.duration("retry.delay_warning"), rules,
                s.integer("retry.jitter", 0, 50), backoff, maxWaitHint, s.duration("retry.max_pause"), capRelease,
                s.bool("retry.word_model"));
    }

    private static Backoff backoff(Settings s, String key) {
        List<Duration> waits = s.list(key + ".waits", Settings::parseDuration);
        if (waits.isEmpty()) throw s.error(key + ".waits", "must list at least one wait");
        for (Duration w : waits) {
            if (w.toSeconds() < 1) throw s.error(key + ".waits", "every wait must be at least 1s, got " + w.toMillis() + "ms");
        }
        String f = s.text(key + ".factor");
        double factor;
        try {
            factor = Double.parseDouble(f);
        } catch (NumberFormatException e) {
            throw s.error(key + ".factor", "must be a number like 2 or 1.5, got '" + f + "'");
        }
        if (!(factor >= 1 && factor <= 100)) throw s.error(key + ".factor", "must be between 1 and 100, got " + f);
        Duration max = s.duration(key + ".max");
        for (Duration w : waits) {
            if (w.compareTo(max) > 0) throw s.error(key + ".max", "must not be shorter than any of the waits");
        }
        return new Backoff(waits, factor, max, s.duration(key + ".pause"), s.integer(key + ".connections", 0, 10_000));
    }
}
