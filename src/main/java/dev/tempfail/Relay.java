package dev.tempfail;

import dev.tempfail.admin.AdminServer;
import dev.tempfail.admin.Dashboard;
import dev.tempfail.admin.HealthApi;
import dev.tempfail.admin.MetricsApi;
import dev.tempfail.admin.QueueApi;
import dev.tempfail.config.Durations;
import dev.tempfail.config.TempfailConfig;
import dev.tempfail.delivery.DeliveryService;
import dev.tempfail.events.WebhookSender;
import dev.tempfail.intake.Intake;
import dev.tempfail.maillog.MailLog;
import dev.tempfail.queue.Database;
import dev.tempfail.queue.FreeSpace;
import dev.tempfail.queue.NodeHeartbeat;
import dev.tempfail.queue.Destinations;
import dev.tempfail.queue.History;
import dev.tempfail.queue.LiveNodes;
import dev.tempfail.queue.OperatorActions;
import dev.tempfail.queue.QueueReader;
import dev.tempfail.queue.EventStore;
import dev.tempfail.queue.QueueStats;
import dev.tempfail.queue.QueueStore;
import dev.tempfail.queue.Wakeup;
import dev.tempfail.smtp.SmtpTimeouts;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.BindException;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The running relay: the queue, the SMTP listener that fills it, the delivery workers that
 * empty it, the admin listener that shows and steers it, and the purge of old history. Started
 * by {@code tempfail serve}, by tests and by the retry lab, each with its own configuration and clock.
 */
public final class Relay implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger("tempfail/master");
    /** At most this many purge batches a minute: old history goes steadily, never in one long transaction. */
    private static final int PURGE_BATCHES = 20;

    private final Database db;
    private final Intake smtp;
    private final DeliveryService delivery;
    private final AdminServer admin;
    private final NodeHeartbeat heartbeat;
    private final QueueReader reader;
    private final Wakeup wakeup;
    private final ScheduledExecutorService housekeeping;
    private final Optional<WebhookSender> webhook;
    private final Duration grace;
    private final AtomicBoolean closed = new AtomicBoolean();

    private Relay(Database db, Wakeup wakeup, Intake smtp, DeliveryService delivery, AdminServer admin,
                  QueueReader reader, ScheduledExecutorService housekeeping, Optional<WebhookSender> webhook,
                  Duration grace, NodeHeartbeat heartbeat) {
        this.webhook = webhook;
        this.grace = grace;
        this.db = db;
        this.wakeup = wakeup;
        this.smtp = smtp;
        this.delivery = delivery;
        this.admin = admin;
        this.heartbeat = heartbeat;
        this.reader = reader;
        this.housekeeping = housekeeping;
    }

    public static Relay start(TempfailConfig config, Clock clock) throws IOException, SQLException {
        return start(config, clock, DeliveryService.DEFAULTS);
    }

    /**
     * As {@link #start(TempfailConfig, Clock)} on a clock that runs {@code timeScale} times fast
     * ({@code serve --time-scale}, the retry lab): delivery's idle waits shrink to match, while
     * its socket timeouts stay {@code smtpTimeouts} of real time.
     */
    public static Relay start(TempfailConfig config, Clock clock, double timeScale, SmtpTimeouts smtpTimeouts)
            throws IOException, SQLException {
        return start(config, clock, DeliveryService.Timing.scaled(timeScale, smtpTimeouts));
    }

    /** As {@link #start(TempfailConfig, Clock)}, with delivery timing for tests. */
    public static Relay start(TempfailConfig config, Clock clock, DeliveryService.Timing timing)
            throws IOException, SQLException {
        // Sessions write through the group commit (one connection); the pool serves the workers' reads.
        Database db = Database.open(config.queue(), config.delivery().workers() + 8);
        ScheduledExecutorService housekeeping = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "queue-purge");
            t.setDaemon(true);
            return t;
        });
        try {
            Wakeup wakeup = new Wakeup();
            PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            MailLog mailLog = new MailLog(metrics);
            Destinations destinations = new Destinations(db, config.retry().capRelease(),
                    new LiveNodes(db, config.queue().nodeId(), timing.wallClock()));
            DeliveryService delivery = new DeliveryService(config, db, wakeup, destinations, clock, timing, mailLog);
            Intake smtp = Intake.open(config,
                    new QueueStore(db, wakeup, config.queue().postgresql() ? FreeSpace.UNCHECKED // bodies are on the server
                            : FreeSpace.of(config.queue().dir(), config.queue().minFree())), clock, true, mailLog);
            AdminServer admin = bindAdmin(config);
            QueueReader reader = new QueueReader(db, config.retry(), clock);
            new QueueApi(reader, new OperatorActions(db, wakeup, config.queue().keepBodies()), destinations,
                    DeliveryService.operatorReports(config, db, clock, mailLog), mailLog, clock).register(admin.routes());
            Dashboard.register(admin.routes(), reader);
            QueueStats stats = new QueueStats(db);
            new MetricsApi(metrics, stats, clock).register(admin.routes());
            new HealthApi(smtp::isRunning, stats, config.queue().dir(), config.smtp().maxMessageSize()).register(admin.routes());
            startSmtp(config, smtp);
            delivery.start();
            admin.start();
            History history = new History(db);
            housekeeping.scheduleWithFixedDelay(() -> purge(history, config, clock), 1, 60, TimeUnit.SECONDS);
            String smtpAt = config.smtp().listen().host() + ":" + smtp.port();
            String adminAt = config.admin().listen().host() + ":" + admin.port();
            NodeHeartbeat heartbeat = NodeHeartbeat.start(db, config.queue().nodeId(), smtpAt, adminAt, timing.wallClock());
            log.info("started: node {}, smtp {}{}{}, admin {}, queue {}", config.queue().nodeId(), smtpAt,
                    smtp.tlsPort().isPresent() ? ", smtps " + config.smtp().tlsListen().get().host() + ":" + smtp.tlsPort().getAsInt() : "",
                    smtp.submissionPort().isPresent() ? ", submission " + config.submission().listen().get().host() + ":"
                            + smtp.submissionPort().getAsInt() : "",
                    adminAt, config.queue().describe());
            Optional<WebhookSender> webhook = config.events().enabled()
                    ? Optional.of(new WebhookSender(config.events(), new EventStore(db), clock, timing.maxIdle()))
                    : Optional.empty();
            webhook.ifPresent(WebhookSender::start);
            return new Relay(db, wakeup, smtp, delivery, admin, reader, housekeeping, webhook, config.shutdownGrace(), heartbeat);
        } catch (IOException | SQLException | RuntimeException e) {
            housekeeping.shutdownNow();
            db.close();
            throw e;
        }
    }

    private static AdminServer bindAdmin(TempfailConfig config) throws IOException {
        try {
            return new AdminServer(config.admin());
        } catch (BindException e) {
            throw new StartupException(e.getMessage(), e);
        }
    }

    private static void startSmtp(TempfailConfig config, Intake smtp) {
        try {
            smtp.start();
        } catch (RuntimeException e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof BindException) {
                    throw new StartupException("SMTP listener (smtp.listen " + config.smtp().listen()
                            + config.smtp().tlsListen().map(l -> ", smtp.tls_listen " + l).orElse("") + "): "
                            + t.getMessage(), e);
                }
            }
            throw e;
        }
    }

    private static void purge(History history, TempfailConfig config, Clock clock) {
        try {
            int purged = history.purge(clock.instant(), config.queue().keepFinished(), PURGE_BATCHES);
            if (purged > 0) log.info("purged {} finished message(s) older than queue.keep_finished", purged);
        } catch (SQLException | RuntimeException e) {
            log.warn("purging old history failed, trying again in a minute: {}", e.toString());
        }
    }

    public int smtpPort() {
        return smtp.port();
    }

    /** The implicit-TLS listener's port ({@code smtp.tls_listen}); fails if none is configured. */
    public int smtpsPort() {
        return smtp.tlsPort().orElseThrow();
    }

    /** The submission listener's port ({@code submission.listen}); fails if none is configured. */
    public int submissionPort() {
        return smtp.submissionPort().orElseThrow();
    }

    public int adminPort() {
        return admin.port();
    }

    public Database database() {
        return db;
    }

    /** The queue as the CLI and the admin API see it. */
    public QueueReader reader() {
        return reader;
    }

    /** Makes the scheduler look for due work now: after a test or the lab has moved the clock on. */
    public void wakeScheduler() {
        wakeup.signal();
    }

    /**
     * A clean stop within {@code shutdown_grace}: stops leasing, refuses new connections and ends
     * idle sessions with {@code 421 4.3.2}, lets messages mid-DATA and deliveries in flight
     * finish (cutting what is left at the end of the grace), releases what was not tried, and
     * only then closes the queue, so no transaction is cut off half-way.
     */
    @Override
    public void close() {
        if (closed.getAndSet(true)) return;
        Instant deadline = Instant.now().plus(grace);
        log.info("stopping: up to {} for messages being received and deliveries in flight", Durations.compact(grace));
        delivery.stopLeasing();
        smtp.drain(deadline); // until then and below, new connections hear 421 4.3.2
        delivery.drain(deadline);
        smtp.close();
        webhook.ifPresent(WebhookSender::close);
        admin.close();
        heartbeat.close();
        housekeeping.shutdownNow();
        db.close();
        log.info("stopped");
    }
}
