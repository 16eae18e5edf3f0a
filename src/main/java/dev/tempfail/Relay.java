package dev.tempfail;

import dev.tempfail.admin.AdminServer;
import dev.tempfail.config.TempfailConfig;
import dev.tempfail.intake.SmtpListener;
import dev.tempfail.queue.Database;
import dev.tempfail.queue.QueueReader;
import dev.tempfail.queue.QueueStore;
import dev.tempfail.queue.Wakeup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The running relay: the queue, the SMTP listener that fills it, and the admin API that
 * shows it. Started by {@code tempfail serve}, by tests and by the retry lab, each with its
 * own configuration and clock.
 */
public final class Relay implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger("tempfail");

    private final Database db;
    private final SmtpListener smtp;
    private final AdminServer admin;
    private final AtomicBoolean closed = new AtomicBoolean();

    private Relay(Database db, SmtpListener smtp, AdminServer admin) {
        this.db = db;
        this.smtp = smtp;
        this.admin = admin;
    }

    public static Relay start(TempfailConfig config, Clock clock) throws IOException {
        Database db = Database.open(config.queue().dir(), config.smtp().maxConnections() + 8);
        try {
            Wakeup wakeup = new Wakeup();
            SmtpListener smtp = new SmtpListener(config.smtp(), new QueueStore(db, wakeup), clock, false);
            AdminServer admin = new AdminServer(config.admin().listen(), new QueueReader(db));
            smtp.start();
            admin.start();
            log.info("started: smtp {}:{}, admin {}:{}, queue {}", config.smtp().listen().host(), smtp.port(),
                    config.admin().listen().host(), admin.port(), config.queue().dir().toAbsolutePath().normalize());
            return new Relay(db, smtp, admin);
        } catch (IOException | RuntimeException e) {
            db.close();
            throw e;
        }
    }

    public int smtpPort() {
        return smtp.port();
    }

    public int adminPort() {
        return admin.port();
    }

    public Database database() {
        return db;
    }

    /** Stops taking mail first, then closes the queue, so no transaction is cut off half-way. */
    @Override
    public void close() {
        if (closed.getAndSet(true)) return;
        smtp.close();
        admin.close();
        db.close();
        log.info("stopped");
    }
}
