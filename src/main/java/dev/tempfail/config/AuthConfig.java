package dev.tempfail.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * SMTP AUTH on the way in: who may log in, what they may send as, and how guessing is slowed.
 *
 * @param users          the users file; by default {@code users} in the queue directory
 * @param senders        per user, the sender addresses it may use ({@code *@app1.example}); a user not listed may use any
 * @param receivedHeader name the authenticated user in the Received header (Postfix's {@code smtpd_sasl_authenticated_header})
 * @param maxFailures    failed logins from one client address, each within {@code lockout} of the last, before it is refused
 * @param lockout        how long a refused address stays refused after its last failure
 * @param failureDelay   the reply to the n-th failure in a row waits n times this (at most 5 times)
 */
public record AuthConfig(Path users, Map<String, List<String>> senders, boolean receivedHeader, int maxFailures,
                         Duration lockout, Duration failureDelay) {

    static AuthConfig from(Settings s, QueueConfig queue) {
        Map<String, List<String>> senders = new LinkedHashMap<>();
        for (String user : s.keys("auth.senders")) {
            List<String> patterns = s.list("auth.senders." + user, p -> {
                if (!p.matches("[^\\s<>]*@[^\\s<>@]+")) throw new IllegalArgumentException("not an address or *@domain pattern: '" + p + "'");
                return p;
            });
            senders.put(user, patterns);
        }
        Duration delay = s.duration("auth.failure_delay");
        if (delay.toSeconds() > 10) throw s.error("auth.failure_delay", "must be at most 10s (the wait holds a session)");
        Optional<Path> users = s.optionalPath("auth.users");
        return new AuthConfig(users.orElse(queue.dir().resolve("users")), Map.copyOf(senders), s.bool("auth.received_header"),
                s.integer("auth.max_failures", 1, 1000), s.duration("auth.lockout"), delay);
    }

    /** True if {@code user} may send as {@code sender} ({@code *} in a pattern matches any run of characters). */
    public boolean maySendAs(String user, String sender) {
        List<String> patterns = senders.get(user);
        if (patterns == null || sender.isEmpty()) return true; // the null sender (a report) is anyone's
        for (String p : patterns) {
            String regex = "\\Q" + p.toLowerCase(java.util.Locale.ROOT).replace("*", "\\E.*\\Q") + "\\E";
            if (sender.toLowerCase(java.util.Locale.ROOT).matches(regex)) return true;
        }
        return false;
    }
}
