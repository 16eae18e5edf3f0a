package dev.tempfail.delivery;

import dev.tempfail.queue.Attempt;
import dev.tempfail.queue.Leased;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Locale;

/**
 * One line per recipient per try, as Postfix writes them, so that the same greps work:
 * {@code <queue id>: to=<…>, relay=host[ip]:port, delay=…, dsn=4.2.2, status=deferred (452 4.2.2 …)}.
 */
final class DeliveryLog {
    private static final Logger log = LoggerFactory.getLogger("delivery");

    private DeliveryLog() {}

    static void attempt(Leased r, Decider.Decision d, String relay) {
        Attempt a = d.attempt();
        double delay = Duration.between(r.receivedAt(), a.at()).toMillis() / 1000.0;
        String status = switch (a.state()) {
            case DELIVERED -> "sent";
            case DEFERRED -> "deferred";
            case FAILED -> "bounced";
            case EXPIRED -> "expired";
            default -> a.state().dbName();
        };
        String next = a.nextAttempt() == null ? ""
                : ", retry in " + Duration.between(a.at(), a.nextAttempt()).toSeconds() + "s";
        String category = a.category() == null ? "" : " [" + a.category() + "]";
        log.info("{}: to=<{}>, relay={}, delay={}, dsn={}, status={} ({} {}){}{}", r.queueId(), r.address(), relay,
                String.format(Locale.ROOT, "%.1f", delay), a.status(), status, a.code(), a.text(), category, next);
    }
}
