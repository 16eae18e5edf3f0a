package dev.tempfail.delivery;

import dev.tempfail.config.TempfailConfig;
import dev.tempfail.events.DeliveryEvents;
import dev.tempfail.maillog.MailLog;
import dev.tempfail.queue.Database;
import dev.tempfail.queue.DeliveryQueue;
import dev.tempfail.queue.Destinations;
import dev.tempfail.queue.Wakeup;
import dev.tempfail.reply.ReplyClassifier;
import dev.tempfail.reply.DestinationProfiles;
import dev.tempfail.reply.ReplyRules;
import dev.tempfail.reply.RetryPolicy;
import dev.tempfail.route.Router;
import dev.tempfail.smtp.SmtpClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.Random;
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
     * How long (in real time) a lease lasts unless extended. The scheduler extends the leases of
     * everything it holds every quarter of this, so a try that runs long (DNS, then up to five
     * hosts with RFC 5321 timeouts) or waits in a lane keeps its lease; a node that died loses
     * its leases to the other nodes after this long (and its own at its next start, at once).
     */
    static final Duration LEASE = Duration.ofMinutes(10);
    /** Recipients held in memory per worker (running, waiting, parked in lanes), as Postfix's active queue. */
    static final int IN_MEMORY_PER_WORKER = 50;

    private final ExecutorService workers;
    private final Scheduler scheduler;
    private final Thread thread;
    private final boolean enabled;

    /**
     * The timing knobs that tests and the retry lab turn; {@link #DEFAULTS} for a real relay.
     *
     * @param maxIdle      the longest the scheduler sleeps without looking at the queue (real time)
     * @param smtpTimeouts the outbound client's socket timeouts (real time)
     * @param wallClock    real time, for leases: they protect against something dying in real time,
     *                     whatever the relay's clock does (it runs fast in the retry lab)
     */
    public record Timing(Duration maxIdle, dev.tempfail.smtp.SmtpTimeouts smtpTimeouts, Clock wallClock) {
        /**
         * For a relay whose clock runs {@code rate} times faster than real time ({@code --time-scale}):
         * the scheduler looks at the queue often enough (every 20 scaled seconds, 10 ms to 1 s real)
         * that a due retry is not late by much. Socket timeouts are the caller's and stay in real time.
         */
        public static Timing scaled(double rate, dev.tempfail.smtp.SmtpTimeouts smtpTimeouts) {
            if (!(rate >= 1)) throw new IllegalArgumentException("time scale must be at least 1: " + rate);
            long idleMs = Math.max(10, Math.min(1_000, Math.round(20_000 / rate)));
            return new Timing(Duration.ofMillis(idleMs), smtpTimeouts, Clock.systemUTC());
        }
    }

    public static final Timing DEFAULTS = new Timing(Duration.ofSeconds(1), dev.tempfail.smtp.SmtpTimeouts.rfc5321(),
            Clock.systemUTC());

    public DeliveryService(TempfailConfig config, Database db, Wakeup wakeup, Clock clock, Timing timing, MailLog mailLog)
            throws SQLException, IOException {
        DeliveryQueue queue = new DeliveryQueue(db, wakeup, config.queue().nodeId());
        int freed = queue.recoverLeases(timing.wallClock().instant(), clock.instant());
        if (freed > 0) log.info("recovered {} recipient(s) left leased by a previous run of node {} or expired", freed,
                queue.node());
        AtomicInteger n = new AtomicInteger();
        workers = Executors.newFixedThreadPool(config.delivery().workers(), r -> {
            Thread t = new Thread(r, "delivery-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        DestinationProfiles profiles = DestinationProfiles.load(config.delivery());
        Decider decider = new Decider(new ReplyClassifier(ReplyRules.load(config.retry(), profiles)),
                new RetryPolicy(config.retry(), new Random()));
        DeliveryContext ctx = new DeliveryContext(config.delivery(), queue, new Destinations(db, config.retry().capRelease()),
                profiles, new Router(config.delivery(), new Random()), new SmtpClient(config.smtp().hostname(), timing.smtpTimeouts(), true,
                        config.delivery().connectionReuse()),
                decider, new Notices(config.smtp().hostname(), config.dsn(), config.retry().lifetime(), clock,
                        db.bodies(), mailLog),
                new Lanes(workers), clock, mailLog, new DeliveryEvents(config.events().enabled()),
                NextHopSecurity.from(config.outboundTls()));
        int budget = config.delivery().workers() * IN_MEMORY_PER_WORKER;
        int share = Math.max(2 * config.delivery().perDestination(), budget / 8);
        scheduler = new Scheduler(queue, wakeup, clock, timing.wallClock(), workers, budget, share, LEASE,
                timing.maxIdle(), (group, done) -> new DeliveryJob(ctx, group, done));
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
