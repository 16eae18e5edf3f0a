package dev.tempfail.delivery;

import dev.tempfail.config.TempfailConfig;
import dev.tempfail.queue.Database;
import dev.tempfail.queue.DeliveryQueue;
import dev.tempfail.queue.Destinations;
import dev.tempfail.queue.Wakeup;
import dev.tempfail.reply.ReplyClassifier;
import dev.tempfail.reply.ReplyRules;
import dev.tempfail.reply.RetryPolicy;
import dev.tempfail.route.Router;
import dev.tempfail.smtp.SmtpClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Outbound delivery: one scheduler thread and {@code delivery.workers} worker threads taking
 * due recipients from the queue to their next hop.
 */
public final class DeliveryService implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger("delivery");
    /**
     * How long (in real time) the relay holds a leased recipient. Longer than a try can take,
     * parked behind a slow destination included (DNS, then up to five hosts with RFC 5321
     * timeouts), so that no try is ever taken over by a second one. A crash does not wait for
     * it: leases a dead process left are freed at start-up.
     */
    static final Duration LEASE = Duration.ofHours(6);

    private final ExecutorService workers;
    private final Scheduler scheduler;
    private final Thread thread;
    private final boolean enabled;

    /**
     * The timing knobs that tests and the retry lab turn; {@link #DEFAULTS} for a real relay.
     * Leases are in real time whatever the clock does, so they are not among them.
     *
     * @param maxIdle      the longest the scheduler sleeps without looking at the queue (real time)
     * @param smtpTimeouts the outbound client's socket timeouts (real time)
     */
    public record Timing(Duration maxIdle, dev.tempfail.smtp.SmtpTimeouts smtpTimeouts) {
        /**
         * For a relay whose clock runs {@code rate} times faster than real time ({@code --time-scale}):
         * the scheduler looks at the queue often enough (every 20 scaled seconds, 10 ms to 1 s real)
         * that a due retry is not late by much. Socket timeouts are the caller's and stay in real time.
         */
        public static Timing scaled(double rate, dev.tempfail.smtp.SmtpTimeouts smtpTimeouts) {
            if (!(rate >= 1)) throw new IllegalArgumentException("time scale must be at least 1: " + rate);
            long idleMs = Math.max(10, Math.min(1_000, Math.round(20_000 / rate)));
            return new Timing(Duration.ofMillis(idleMs), smtpTimeouts);
        }
    }

    public static final Timing DEFAULTS = new Timing(Duration.ofSeconds(1), dev.tempfail.smtp.SmtpTimeouts.rfc5321());

    public DeliveryService(TempfailConfig config, Database db, Wakeup wakeup, Clock clock, Timing timing) throws SQLException {
        DeliveryQueue queue = new DeliveryQueue(db, wakeup);
        int freed = queue.recoverLeases(clock.instant());
        if (freed > 0) log.info("recovered {} recipient(s) left leased by a previous run", freed);
        AtomicInteger n = new AtomicInteger();
        workers = Executors.newFixedThreadPool(config.delivery().workers(), r -> {
            Thread t = new Thread(r, "delivery-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        Decider decider = new Decider(new ReplyClassifier(ReplyRules.load(config.retry())),
                new RetryPolicy(config.retry(), new Random()));
        DeliveryContext ctx = new DeliveryContext(config.delivery(), queue, new Destinations(db),
                new Router(config.delivery(), new Random()), new SmtpClient(config.smtp().hostname(), timing.smtpTimeouts(), true,
                        config.delivery().connectionReuse()),
                decider, new Notices(config.smtp().hostname(), config.dsn(), config.retry().lifetime(), clock,
                        db.bodies()),
                new Lanes(workers), clock);
        String owner = "tempfail-" + UUID.randomUUID().toString().substring(0, 8);
        scheduler = new Scheduler(queue, wakeup, clock, Clock.systemUTC(), workers, config.delivery().workers(), LEASE,
                timing.maxIdle(),
                owner, (group, done) -> new DeliveryJob(ctx, group, done));
        enabled = config.delivery().enabled();
        thread = new Thread(scheduler, "scheduler");
        thread.setDaemon(true);
    }

    public void start() {
        if (enabled) thread.start();
        else log.info("delivery is disabled (delivery.enabled: false): mail is queued, nothing is sent");
    }

    /** Stops leasing, lets running tries finish for a few seconds, then abandons them (their leases return them). */
    @Override
    public void close() {
        scheduler.stop();
        workers.shutdown();
        try {
            thread.join(5_000);
            if (!workers.awaitTermination(5, TimeUnit.SECONDS)) workers.shutdownNow();
        } catch (InterruptedException e) {
            workers.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
