package dev.tempfail;

import dev.tempfail.admin.AdminServer;
import dev.tempfail.admin.HealthApi;
import dev.tempfail.admin.MetricsApi;
import dev.tempfail.admin.QueueApi;
import dev.tempfail.config.TempfailConfig;
import dev.tempfail.delivery.DeliveryService;
import dev.tempfail.events.WebhookSender;
import dev.tempfail.intake.Intake;
import dev.tempfail.maillog.MailLog;
import dev.tempfail.queue.Database;
import dev.tempfail.queue.FreeSpace;
import dev.tempfail.queue.QueueReader;
import dev.tempfail.queue.EventStore;
import dev.tempfail.queue.QueueStats;
import dev.tempfail.queue.QueueStore;
import dev.tempfail.queue.Wakeup;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.sql.SQLException;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The running relay: the queue, the SMTP listener that fills it, the delivery workers that
 * empty it, and the admin API that shows it. Started by {@code tempfail serve}, by tests and by the retry lab, each with its
 * own configuration and clock.
 */
public final class Relay implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger("tempfail");

    private final Database db;
    private final Intake smtp;
    private final DeliveryService delivery;
    private final AdminServer admin;
    private final Wakeup wakeup;
    private final Optional<WebhookSender> webhook;
    private final AtomicBoolean closed = new AtomicBoolean();

    private Relay(Database db, Wakeup wakeup, Intake smtp, DeliveryService delivery, AdminServer admin,
                  Optional<WebhookSender> webhook) {
        this.webhook = webhook;
        this.db = db;
        this.wakeup = wakeup;
        this.smtp = smtp;
        this.delivery = delivery;
        this.admin = admin;
    }

    public static Relay start(TempfailConfig config, Clock clock) throws IOException, SQLException {
        return start(config, clock, DeliveryService.DEFAULTS);
    }

    /** As {@link #start(TempfailConfig, Clock)}, with delivery timing for tests and the retry lab. */
    public static Relay start(TempfailConfig config, Clock clock, DeliveryService.Timing timing)
            throws IOException, SQLException {
        Database db = Database.open(config.queue().dir(), config.smtp().maxConnections() + config.delivery().workers() + 8,
                config.queue().fsync());
        try {
            Wakeup wakeup = new Wakeup();
            PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            MailLog mailLog = new MailLog(metrics);
            DeliveryService delivery = new DeliveryService(config, db, wakeup, clock, timing, mailLog);
            Intake smtp = Intake.open(config,
                    new QueueStore(db, wakeup, FreeSpace.of(config.queue().dir(), config.queue().minFree())), clock, true, mailLog);
            AdminServer admin = new AdminServer(config.admin());
            new QueueApi(new QueueReader(db, clock, config.retry().capRelease())).register(admin);
            QueueStats stats = new QueueStats(db);
            new MetricsApi(metrics, stats, clock).register(admin);
            new HealthApi(smtp::isRunning, stats, config.queue().dir(), config.smtp().maxMessageSize()).register(admin);
            delivery.start();
            smtp.start();
            admin.start();
            log.info("started: smtp {}:{}{}{}, admin {}:{}, queue {}", config.smtp().listen().host(), smtp.port(),
                    smtp.tlsPort().isPresent() ? ", smtps " + config.smtp().tlsListen().get().host() + ":" + smtp.tlsPort().getAsInt() : "",
                    smtp.submissionPort().isPresent() ? ", submission " + config.submission().listen().get().host() + ":"
                            + smtp.submissionPort().getAsInt() : "",
                    config.admin().listen().host(), admin.port(), config.queue().dir().toAbsolutePath().normalize());
            Optional<WebhookSender> webhook = config.events().enabled()
                    ? Optional.of(new WebhookSender(config.events(), new EventStore(db), clock, timing.maxIdle()))
                    : Optional.empty();
            webhook.ifPresent(WebhookSender::start);
            return new Relay(db, wakeup, smtp, delivery, admin, webhook);
        } catch (IOException | SQLException | RuntimeException e) {
            db.close();
            throw e;
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

    /** Makes the scheduler look for due work now: after a test or the lab has moved the clock on. */
    public void wakeScheduler() {
        wakeup.signal();
    }

    /** Stops taking mail first, then closes the queue, so no transaction is cut off half-way. */
    @Override
    public void close() {
        if (closed.getAndSet(true)) return;
        smtp.close();
        delivery.close();
        webhook.ifPresent(WebhookSender::close);
        admin.close();
        db.close();
        log.info("stopped");
    }
}
