package dev.tempfail.delivery;

import dev.tempfail.config.OutboundTlsConfig;
import dev.tempfail.config.TempfailConfig;
import dev.tempfail.events.DeliveryEvents;
import dev.tempfail.maillog.MailLog;
import dev.tempfail.queue.Database;
import dev.tempfail.queue.DeliveryQueue;
import dev.tempfail.queue.Destinations;
import dev.tempfail.queue.MtaStsPolicyStore;
import dev.tempfail.queue.OperatorActions;
import dev.tempfail.queue.Wakeup;
import dev.tempfail.reply.ReplyClassifier;
import dev.tempfail.reply.DestinationProfiles;
import dev.tempfail.reply.RetryPolicy;
import dev.tempfail.route.MtaStsPolicies;
import dev.tempfail.route.Router;
import dev.tempfail.smtp.SmtpClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Outbound delivery: one scheduler thread and {@code delivery.workers} worker threads taking
 * due recipients from the queue to their next hop.
 */
public final class DeliveryService implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger("tempfail/qmgr");
    /** Recipients held in memory per worker (running, waiting, parked in lanes), as Postfix's active queue. */
    static final int IN_MEMORY_PER_WORKER = 50;

    /** After the grace, how long cut conversations get to record their outcome before the queue closes. */
    private static final Duration AFTER_CUT = Duration.ofSeconds(10);

    private final ExecutorService workers;
    private final Scheduler scheduler;
    private final DeliveryContext ctx;
    private final DeliveryQueue queue;
    private final Clock clock;
    private final Clock wallClock;
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

    /** @param destinations the throttle state, shared with the operator's {@code destination suspend|resume} */
    public DeliveryService(TempfailConfig config, Database db, Wakeup wakeup, Destinations destinations, Clock clock,
                           Timing timing, MailLog mailLog) throws SQLException, IOException {
        DeliveryQueue queue = new DeliveryQueue(db, wakeup, config.queue().nodeId(), config.queue().keepBodies());
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
        Decider decider = new Decider(ReplyClassifier.configured(config.retry(), profiles),
                new RetryPolicy(config.retry(), new Random()));
        this.queue = queue;
        this.clock = clock;
        this.wallClock = timing.wallClock();
        NextHopSecurity security = NextHopSecurity.from(config.outboundTls());
        OutboundTlsConfig.MtaSts sts = config.outboundTls().mtaSts();
        MtaStsPolicies policies = !sts.enabled() ? null : MtaStsPolicies.create(config.delivery(), sts.httpsPort(),
                NextHopSecurity.socketFactory(sts.httpsCa()), MtaStsGate.store(new MtaStsPolicyStore(db)), clock);
        ctx = new DeliveryContext(config.delivery(), queue, destinations,
                profiles, new Router(config.delivery(), new Random()), new SmtpClient(config.smtp().hostname(), timing.smtpTimeouts(), true,
                        config.delivery().connectionReuse()),
                decider, new Notices(config.smtp().hostname(), config.dsn(), config.retry().lifetime(), clock,
                        db.bodies(), mailLog),
                new Lanes(workers), clock, mailLog, new DeliveryEvents(config.events().enabled()),
                security, new MtaStsGate(policies, security, mailLog), new AtomicBoolean());
        int budget = config.delivery().workers() * IN_MEMORY_PER_WORKER;
        int share = Math.max(2 * config.delivery().perDestination(), budget / 8);
        scheduler = new Scheduler(queue, wakeup, clock, timing.wallClock(), workers, budget, share,
                config.queue().leaseTime(),
                timing.maxIdle(), (group, done) -> new DeliveryJob(ctx, group, done));
        enabled = config.delivery().enabled();
        thread = new Thread(scheduler, "scheduler");
        thread.setDaemon(true);
    }

    /**
     * The failure reports about recipients the operator bounces ({@code queue bounce}): built as
     * for any failure (NOTIFY honoured, no report to the null sender but a double bounce).
     */
    public static OperatorActions.Reports operatorReports(TempfailConfig config, Database db, Clock clock, MailLog mailLog) {
        Notices notices = new Notices(config.smtp().hostname(), config.dsn(), config.retry().lifetime(), clock, db.bodies(),
                mailLog);
        DeliveryQueue queue = new DeliveryQueue(db, new Wakeup(), config.queue().nodeId());
        return (recipients, attempts) -> {
            List<Notices.Report> reports = notices.reportsFor(recipients, attempts, false,
                    () -> queue.content(recipients.get(0).messageId()));
            reports.forEach(r -> r.log(mailLog)); // logged as built: the bounce commits them right after
            return reports.stream().map(Notices.Report::message).toList();
        };
    }

    public void start() {
        if (enabled) thread.start();
        else log.info("delivery is disabled (delivery.enabled: false): mail is queued, nothing is sent");
    }

    /** Stops leasing new work; what is in memory either finishes its try or, not yet begun, gives it up. */
    public void stopLeasing() {
        ctx.stopping().set(true);
        scheduler.stop();
    }

    /**
     * A clean stop: no new tries; tries in flight finish until {@code deadline} (wall-clock
     * time) and are recorded; any still going then are cut (recorded as a lost connection, so
     * tried again later) and get a few seconds to record it; every recipient this node still
     * holds is released, due at once. Nothing that a next hop answered 250 is left to be sent
     * again, and nothing is left {@code delivering}.
     */
    public void drain(Instant deadline) {
        stopLeasing();
        try {
            thread.join(Math.max(1, Duration.between(wallClock.instant(), deadline).toMillis()));
            int left = scheduler.awaitIdle(deadline);
            if (left > 0) {
                int cut = ctx.client().abortAll();
                log.warn("stop: {} recipient(s) still in delivery at the end of the grace period; {} connection(s) cut, "
                        + "to be tried again", left, cut);
                left = scheduler.awaitIdle(wallClock.instant().plus(AFTER_CUT));
                if (left > 0) log.error("stop: {} recipient(s) did not finish their try; released", left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        workers.shutdown();
        ctx.client().closeIdle();
        try {
            int released = queue.freeOwnLeases(clock.instant());
            if (released > 0) log.info("stop: {} recipient(s) not tried yet released to the queue", released);
        } catch (SQLException e) {
            log.error("stop: cannot release this node's leases (the next start frees them): {}", e.toString());
        }
    }

    /** Stops at once, as {@link #drain} with no grace. */
    @Override
    public void close() {
        drain(wallClock.instant());
    }
}
