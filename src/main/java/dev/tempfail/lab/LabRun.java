package dev.tempfail.lab;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import dev.tempfail.Relay;
import dev.tempfail.config.ConfigLoader;
import dev.tempfail.config.Durations;
import dev.tempfail.config.HostPort;
import dev.tempfail.config.TempfailConfig;
import dev.tempfail.smtp.Envelope;
import dev.tempfail.smtp.RecipientResult;
import dev.tempfail.smtp.SmtpClient;
import dev.tempfail.smtp.SmtpTimeouts;
import dev.tempfail.smtp.Target;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * {@code tempfail lab run}: a relay and a scripted receiver on one scaled clock, a few test
 * messages through them, and the story of every recipient until it is final.
 *
 * <p>The relay gets a throw-away queue directory, ports chosen by the system, no DNS (a
 * resolver on 127.0.0.1:9 that never answers), and a smarthost: the scripted receiver. Mail
 * back to the test sender's domain (DSNs) is routed to a second receiver that accepts
 * everything: the sender's own mailbox, which the script does not govern, so a script that
 * refuses connections does not refuse the DSNs about its own refusals.
 */
public final class LabRun {
    /** The test messages' sender's domain: routed to the lab's accept-all mailbox. */
    private static final String SENDER_DOMAIN = "sender.example";
    public static final String SENDER = "app@" + SENDER_DOMAIN;
    private static final Duration POLL = Duration.ofMillis(20);
    private static final InetSocketAddress NO_DNS = new InetSocketAddress("127.0.0.1", 9);
    private static final Pattern QUEUE_ID = Pattern.compile("queued as ([0-9A-Za-z]+)");

    /**
     * @param configFile   a tempfail.yaml whose keys (retry.*) the relay uses, or null; the lab sets
     *                     the listen addresses, queue, routing and DNS itself
     * @param env          TEMPFAIL_* overrides, as for every command
     * @param start        the lab clock's first instant; null: the script's start_minute in the
     *                     current hour, else now
     * @param smtpTimeouts the relay's socket timeouts (real time)
     * @param timeout      give up (and report a problem) after this much real time; null: one and
     *                     a half lifetimes at the time scale, plus 30 s
     * @param progress     sees one line per event as it happens (may ignore it)
     */
    public record Options(LabScript script, double timeScale, int messages, Path configFile, Map<String, String> env,
                          Instant start, SmtpTimeouts smtpTimeouts, Duration timeout, Consumer<String> progress) {
        public Options {
            if (messages < 1 || messages > 10_000) throw new IllegalArgumentException("messages must be 1 to 10000: " + messages);
            env = Map.copyOf(env);
        }

        public static Options of(LabScript script, double timeScale, int messages) {
            return new Options(script, timeScale, messages, null, Map.of(), null, SmtpTimeouts.rfc5321(), null, line -> { });
        }
    }

    private final Options opts;
    private final List<ReceivedMessage> dsnMessages = new CopyOnWriteArrayList<>();
    private ReceiverLog receiverLog;
    private List<AttemptTrail.Turn> turns = List.of();

    private LabRun(Options opts) {
        this.opts = opts;
    }

    /** Runs the whole rehearsal; returns its report (also when the relay misbehaved: see {@link LabReport#problems()}). */
    public static LabReport run(Options opts) throws IOException {
        return new LabRun(opts).go();
    }

    /** As {@link #run}, also giving back the receiver's log of every command and reply. */
    public static LabReport run(Options opts, ReceiverLog log) throws IOException {
        LabRun r = new LabRun(opts);
        r.receiverLog = log;
        return r.go();
    }

    private LabReport go() throws IOException {
        long realStartNanos = System.nanoTime();
        Instant realStart = Instant.now();
        Instant scaledStart = opts.start() != null ? opts.start()
                : opts.script().startMinute() != null
                ? realStart.truncatedTo(ChronoUnit.HOURS).plus(Duration.ofMinutes(opts.script().startMinute()))
                : realStart;
        TimeScaledClock clock = TimeScaledClock.held(scaledStart, opts.timeScale(), Clock.systemUTC());
        Path dir = Files.createTempDirectory("tempfail-lab-");
        List<String> problems = new ArrayList<>();
        Map<Long, Track> tracks = new LinkedHashMap<>();
        TempfailConfig config;
        ErrorLog errors = ErrorLog.attach();
        ReceiverLog log = receiverLog != null ? receiverLog : new ReceiverLog();
        HostPort loopback = new HostPort("127.0.0.1", 0);
        try (LabReceiver mailbox = LabReceiver.start(loopback, LabScript.acceptAll(), clock);
             LabReceiver receiver = LabReceiver.builder().listen(loopback).script(opts.script(), clock).log(log).start()) {
            mailbox.onMessage(m -> {
                if (m.fromNullSender()) dsnMessages.add(m);
            });
            config = relayConfig(dir, receiver.port(), mailbox.port());
            Duration timeout = opts.timeout() != null ? opts.timeout()
                    : clock.realDuration(config.retry().lifetime()).multipliedBy(3).dividedBy(2).plusSeconds(30);
            opts.progress().accept(String.format("lab: %s at %sx, %d message(s), clock from %s, receiver 127.0.0.1:%d",
                    opts.script().name(), TimeScaledClock.format(opts.timeScale()), opts.messages(), scaledStart, receiver.port()));
            try (Relay relay = Relay.start(config, clock, opts.timeScale(), opts.smtpTimeouts())) {
                AttemptTrail trail = AttemptTrail.install(relay.database());
                warmUp(relay, trail, problems);
                clock.start(); // the lab's time runs from the first message, not from the relay's start-up
                submit(relay, clock, tracks, problems);
                watch(trail, tracks, timeout, problems, clock);
                turns = trail.turns();
            }
        } catch (java.sql.SQLException e) {
            problems.add("the relay's queue failed: " + e);
            config = null;
        } finally {
            errors.detach();
            deleteTree(dir);
        }
        for (String e : errors.lines()) problems.add("the relay logged an error: " + e);
        double realS = (System.nanoTime() - realStartNanos) / 1e9;
        return report(config, tracks, scaledStart, clock, realS, problems);
    }

    private TempfailConfig relayConfig(Path dir, int receiverPort, int mailboxPort) {
        Map<String, String> env = new HashMap<>(opts.env());
        env.put("TEMPFAIL_SMTP_LISTEN", "127.0.0.1:0");
        env.put("TEMPFAIL_ADMIN_LISTEN", "127.0.0.1:0");
        env.put("TEMPFAIL_QUEUE_DIR", dir.toString());
        // A throw-away queue: surviving a power loss is pointless, and every fsync's real milliseconds would be
        // scaled up N times in the rehearsal's timeline (a busy disk made attempts minutes late at 1000x).
        env.put("TEMPFAIL_QUEUE_FSYNC", "false");
        // The attempts are read from the queue's history after the run: no purge may take them first.
        env.put("TEMPFAIL_QUEUE_KEEP_FINISHED", "3650d");
        env.put("TEMPFAIL_DELIVERY_ENABLED", "true");
        env.put("TEMPFAIL_DELIVERY_SMARTHOST", "127.0.0.1:" + receiverPort);
        env.put("TEMPFAIL_DELIVERY_ROUTES", "{" + SENDER_DOMAIN + ": '127.0.0.1:" + mailboxPort + "'}");
        env.put("TEMPFAIL_DELIVERY_DNS_SERVERS", NO_DNS.getHostString() + ":" + NO_DNS.getPort());
        env.put("TEMPFAIL_DELIVERY_DNS_TIMEOUT", "500ms");
        return ConfigLoader.load(opts.configFile(), env);
    }

    /** A test recipient and what has happened to it so far. */
    private static final class Track {
        final String address;
        final String queueId;
        final Instant submitted;
        final List<AttemptTrail.Row> attempts = new ArrayList<>();

        Track(String address, String queueId, Instant submitted) {
            this.address = address;
            this.queueId = queueId;
            this.submitted = submitted;
        }

        /**
         * When the relay received the message, as it counts the lifetime from; the start of the
         * submission until an attempt says. On a scaled clock the submission itself takes scaled
         * minutes, more on a busy machine, and must not count as time spent in the queue.
         */
        Instant arrived() {
            return attempts.isEmpty() ? submitted : attempts.get(0).receivedAt();
        }

        boolean isFinal() {
            return !attempts.isEmpty() && attempts.get(attempts.size() - 1).isFinal();
        }
    }

    private final Map<String, Track> byQueueId = new LinkedHashMap<>();

    private void submit(Relay relay, Clock clock, Map<Long, Track> tracks, List<String> problems) {
        List<String> to = opts.script().recipientsFor(opts.messages());
        SmtpClient client = submitter();
        try {
            for (int i = 0; i < to.size(); i++) {
                String content = "From: <" + SENDER + ">\r\nTo: <" + to.get(i) + ">\r\nSubject: tempfail lab message "
                        + (i + 1) + " of " + to.size() + " (" + opts.script().name() + ")\r\n\r\n"
                        + "A test message from tempfail lab run.\r\n";
                Instant at = clock.instant();
                String queueId = submit(client, relay, to.get(i), content);
                byQueueId.put(queueId + " " + to.get(i).toLowerCase(java.util.Locale.ROOT), new Track(to.get(i), queueId, at));
            }
        } catch (IOException e) {
            problems.add("the relay did not take the test messages: " + e.getMessage());
        } finally {
            client.closeIdle();
        }
    }

    /** The relay's own SMTP client hands the lab's messages in, as an application's client would: plain text, one connection. */
    private static SmtpClient submitter() {
        return new SmtpClient("lab.submitter", SmtpTimeouts.uniform(Duration.ofSeconds(30)), false, Duration.ofMinutes(1));
    }

    /** Sends one message; returns the relay's queue id from its {@code 250 ... queued as ID}. */
    private static String submit(SmtpClient client, Relay relay, String to, String content) throws IOException {
        RecipientResult r = client.deliver(Envelope.of(SENDER, to), content.getBytes(StandardCharsets.UTF_8),
                List.of(new Target("relay", new InetSocketAddress("127.0.0.1", relay.smtpPort())))).recipients().get(0);
        Matcher id = QUEUE_ID.matcher(r.reply().toString());
        if (!r.delivered() || !id.find()) throw new IOException("message refused: " + r.reply());
        return id.group(1);
    }

    /**
     * Sends one message to the accept-all mailbox while the clock still stands, and waits for it to
     * leave the queue. A fresh JVM takes a few hundred milliseconds over its first delivery (class
     * loading, JIT): minutes on a scaled clock, which would blur the first attempt of the rehearsal.
     */
    private void warmUp(Relay relay, AttemptTrail trail, List<String> problems) throws java.sql.SQLException {
        SmtpClient client = submitter();
        try {
            submit(client, relay, "warm-up@" + SENDER_DOMAIN, "Subject: tempfail lab warm-up\r\n\r\nwarm-up\r\n");
        } catch (IOException e) {
            problems.add("the relay did not take the warm-up message: " + e.getMessage());
            return;
        } finally {
            client.closeIdle();
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (trail.messagesInQueue() > 0) {
            if (System.nanoTime() > deadline) {
                problems.add("the warm-up message was not delivered to the lab mailbox within 30 s");
                return;
            }
            try {
                Thread.sleep(POLL.toMillis()); // polling the relay's progress
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Collects attempts until every test recipient is final and the queue is empty (DSNs sent), or time runs out. */
    private void watch(AttemptTrail trail, Map<Long, Track> tracks, Duration timeout, List<String> problems, Clock clock)
            throws java.sql.SQLException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long last = 0;
        while (true) {
            for (AttemptTrail.Row row : trail.since(last)) {
                last = row.id();
                Track t = tracks.get(row.recipientId());
                if (t == null) {
                    t = byQueueId.get(row.queueId() + " " + row.address().toLowerCase(java.util.Locale.ROOT));
                    if (t == null) continue; // a DSN's own delivery: seen by the mailbox
                    tracks.put(row.recipientId(), t);
                }
                t.attempts.add(row);
                opts.progress().accept(String.format("%s %s %s #%d %s -> %s", row.at(), row.queueId(), row.address(),
                        t.attempts.size(), row.reply(), row.state()
                                + (row.waitMs() == null ? "" : " (retry in " + Duration.ofMillis(row.waitMs()).toSeconds() + "s)")));
            }
            boolean allFinal = tracks.size() == byQueueId.size() && tracks.values().stream().allMatch(Track::isFinal);
            if (allFinal && trail.messagesInQueue() == 0) return;
            if (System.nanoTime() > deadline) {
                long open = byQueueId.values().stream().filter(t -> !t.isFinal()).count();
                problems.add("not finished within " + timeout.toSeconds() + " s of real time: " + open
                        + " recipient(s) not final, " + trail.messagesInQueue() + " message(s) in the queue (lab clock at "
                        + clock.instant() + ")");
                return;
            }
            try {
                Thread.sleep(POLL.toMillis()); // polling the relay's progress, not waiting for a retry
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                problems.add("interrupted");
                return;
            }
        }
    }

    private LabReport report(TempfailConfig config, Map<Long, Track> tracks, Instant scaledStart, TimeScaledClock clock,
                             double realS, List<String> problems) {
        List<LabReport.Recipient> recipients = new ArrayList<>();
        int delivered = 0, failed = 0, expired = 0, pending = 0, attempts = 0, deliveredAttempts = 0;
        Instant lastEvent = scaledStart;
        for (Track t : byQueueId.values()) {
            List<LabReport.Attempt> rows = new ArrayList<>();
            for (AttemptTrail.Row r : t.attempts) {
                Duration since = Duration.between(t.arrived(), r.at());
                rows.add(new LabReport.Attempt(rows.size() + 1, Durations.offset(since), since.toSeconds(), r.at().toString(), r.stage(),
                        r.reply(), r.verdict(), r.category(), r.status(), r.state(),
                        r.waitMs() == null ? null : Duration.ofMillis(r.waitMs()).toSeconds()));
                if (r.at().isAfter(lastEvent)) lastEvent = r.at();
            }
            String outcome = t.isFinal() ? t.attempts.get(t.attempts.size() - 1).state() : "pending";
            String status = t.attempts.isEmpty() ? null : t.attempts.get(t.attempts.size() - 1).status();
            switch (outcome) {
                case "delivered" -> {
                    delivered++;
                    deliveredAttempts += t.attempts.size();
                }
                case "failed" -> failed++;
                case "expired" -> expired++;
                default -> pending++;
            }
            attempts += t.attempts.size();
            recipients.add(new LabReport.Recipient(t.address, t.queueId, t.arrived().toString(),
                    Duration.between(scaledStart, t.arrived()).toSeconds(), outcome, status, rows));
        }
        List<LabReport.Dsn> dsns = new ArrayList<>();
        for (ReceivedMessage m : dsnMessages) {
            DeliveryReport d = DeliveryReport.parse(m.content());
            long atS = Duration.between(scaledStart, m.at()).toSeconds();
            String to = String.join(", ", m.recipients());
            if (m.at().isAfter(lastEvent)) lastEvent = m.at();
            if (!d.isDsn()) {
                dsns.add(new LabReport.Dsn(m.at().toString(), atS, to, d.subject(), null, null, null, null));
                continue;
            }
            for (DeliveryReport.Recipient r : d.recipients()) {
                dsns.add(new LabReport.Dsn(m.at().toString(), atS, to, d.subject(), r.action(), r.status(),
                        r.finalRecipient(), r.diagnosticCode()));
            }
        }
        List<LabReport.Turn> paced = turns.stream().map(u -> new LabReport.Turn(u.destination(), u.at().toString(),
                Duration.between(scaledStart, u.at()).toSeconds(), u.next().toString())).toList();
        LabReport.Totals totals = new LabReport.Totals(delivered, failed, expired, pending, attempts,
                delivered == 0 ? null : Math.round(100.0 * deliveredAttempts / delivered) / 100.0);
        Duration lifetime = config == null ? Duration.ZERO : config.retry().lifetime();
        Duration warning = config == null ? Duration.ZERO : config.retry().delayWarning();
        return new LabReport(opts.script().name(), opts.script().description(), opts.timeScale(), opts.messages(),
                scaledStart.toString(), lifetime.toSeconds(), warning.isZero() ? null : warning.toSeconds(), recipients, dsns,
                paced, totals, new LabReport.Elapsed(Math.round(realS * 100) / 100.0, Duration.between(scaledStart, lastEvent).toSeconds()),
                problems);
    }

    /** Deletes the run's queue directory, the deepest paths first. */
    private static void deleteTree(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temp directory left behind is not worth failing the run for
        }
    }

    /** Counts ERROR events logged by the relay during the run (SubEtha's own logs excepted). */
    private static final class ErrorLog extends AppenderBase<ILoggingEvent> {
        private final List<String> lines = new CopyOnWriteArrayList<>();
        private Logger root;

        static ErrorLog attach() {
            ErrorLog e = new ErrorLog();
            if (LoggerFactory.getILoggerFactory() instanceof ch.qos.logback.classic.LoggerContext ctx) {
                e.setContext(ctx);
                e.setName("lab-errors");
                e.start();
                e.root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
                e.root.addAppender(e);
            }
            return e;
        }

        @Override
        protected void append(ILoggingEvent event) {
            if (event.getLevel().isGreaterOrEqual(Level.ERROR) && !event.getLoggerName().startsWith("org.subethamail")
                    && lines.size() < 20) {
                lines.add(event.getLoggerName() + ": " + event.getFormattedMessage());
            }
        }

        void detach() {
            if (root != null) root.detachAppender(this);
            stop();
        }

        List<String> lines() {
            return List.copyOf(lines);
        }
    }
}
