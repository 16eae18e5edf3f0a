package dev.tempfail.delivery;

import dev.tempfail.config.Durations;
import dev.tempfail.maillog.MailLog;
import dev.tempfail.queue.Attempt;
import dev.tempfail.queue.DestinationState;
import dev.tempfail.queue.Destinations;
import dev.tempfail.queue.LeaseLostException;
import dev.tempfail.queue.Leased;
import dev.tempfail.queue.MessageForDelivery;
import dev.tempfail.reply.Category;
import dev.tempfail.reply.DestinationProfile;
import dev.tempfail.reply.DestinationEffect;
import dev.tempfail.route.RouteResult;
import dev.tempfail.route.Via;
import dev.tempfail.smtp.DeliveryResult;
import dev.tempfail.smtp.Envelope;
import dev.tempfail.smtp.HostFailure;
import dev.tempfail.smtp.RecipientResult;
import dev.tempfail.smtp.Security;
import dev.tempfail.smtp.SmtpReply;
import dev.tempfail.smtp.Stage;
import dev.tempfail.smtp.Target;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

/**
 * One delivery try of one message's recipients in one domain: find the route, wait for a
 * place in the destination's lane, send, and record each recipient's reply and what the
 * retry policy makes of it.
 */
final class DeliveryJob implements Runnable {
    private static final Logger log = LoggerFactory.getLogger("tempfail/qmgr");

    /** When recipients of a job that failed inside the relay are tried again. */
    private static final Duration FAILED_JOB_RETRY = Duration.ofMinutes(1);

    private final DeliveryContext ctx;
    private final List<Leased> recipients;
    private final String domain;
    private final Runnable done;
    /** Set once the message starts going out: from then on the job never puts its recipients back untried. */
    private boolean mayHaveSent;
    /** When this try began (the relay's clock): the end of "waiting in the queue" in the log's delays. */
    private Instant started;

    /** {@code done} runs exactly once, when the job is over (sent, put back, or failed), wherever that is. */
    DeliveryJob(DeliveryContext ctx, List<Leased> recipients, Runnable done) {
        this.ctx = ctx;
        this.recipients = List.copyOf(recipients);
        this.domain = recipients.get(0).domain();
        this.done = done;
    }

    @Override
    public void run() {
        boolean handedOn = false;
        started = ctx.clock().instant();
        try {
            if (ctx.stopping().get()) return; // the relay is stopping: no new try
            if (throttled(domain)) return; // the operator may suspend a recipient domain as well as a next hop
            RouteResult route = ctx.router().route(domain);
            if (route instanceof RouteResult.Hosts hosts) {
                Security configured = ctx.security().forVia(hosts.via(),
                        hosts.via() == Via.ROUTE ? ctx.router().routeKey(domain).orElse(null) : null);
                MtaStsGate.Decision plan = ctx.mtaSts().apply(recipients.get(0).queueId(), domain, hosts, configured);
                if (plan instanceof MtaStsGate.Decision.Go go) handedOn = enterLane(go);
                else if (plan instanceof MtaStsGate.Decision.Refuse r) recordLocal(Stage.DNS, 451, r.status(), r.reason());
            } else if (route instanceof RouteResult.PermanentFailure f) {
                recordLocal(Stage.DNS, 550, f.status(), f.reason());
            } else if (route instanceof RouteResult.TemporaryFailure f) {
                recordLocal(Stage.DNS, 451, f.status(), f.reason());
            }
        } catch (Exception | Error e) {
            failSafe(e);
        } finally {
            if (!handedOn) done.run();
        }
    }

    /** Returns true if the job went into the destination's lane (which then calls {@code done}). */
    private boolean enterLane(MtaStsGate.Decision.Go go) throws Exception {
        RouteResult.Hosts hosts = go.hosts();
        String destination = hosts.destination();
        if (throttled(destination)) return false;
        DestinationState throttle = ctx.destinations().get(destination).orElse(null);
        int width = ctx.config().perDestination();
        if (throttle != null && throttle.maxConnections() != null) width = Math.min(width, throttle.maxConnections());
        DestinationProfile profile = profile(hosts);
        if (profile != null && profile.connections() > 0) width = Math.min(width, profile.connections());
        width = ctx.destinations().connectionShare(width); // the limits hold for all nodes sharing the queue together
        if (width == 0) {
            putBack(recipients, ctx.clock().instant().plus(Scheduler.OVERFLOW_WAIT),
                    "the other nodes use every connection " + destination + " allows");
            return false;
        }
        ctx.lanes().run(destination, width, recipients.get(0).fresh(), () -> {
            try {
                if (!ctx.stopping().get() && !throttled(destination)) send(go);
            } catch (Exception | Error e) {
                failSafe(e);
            } finally {
                done.run();
            }
        });
        return true;
    }

    /**
     * Puts the recipients back untried if the destination is paused or held to its hourly
     * rate; checked again when a parked job starts, since the pause may have come meanwhile.
     * A pause never outlasts a recipient's delay warning or lifetime: each is put back no
     * later than the next of those, and one whose time has come is decided now, untried.
     */
    private boolean throttled(String destination) throws Exception {
        Instant now = ctx.clock().instant();
        Instant notBefore = ctx.destinations().notBefore(destination, now);
        if (notBefore == null || !notBefore.isAfter(now)) return false;
        String reason = ctx.destinations().get(destination).map(DestinationState::reason).orElse(null);
        List<Leased> due = new ArrayList<>();
        Map<Instant, List<Leased>> later = new TreeMap<>();
        for (Leased r : recipients) {
            if (ctx.decider().dueWhileHeld(r, now)) due.add(r);
            else later.computeIfAbsent(ctx.decider().heldUntil(r, notBefore), t -> new ArrayList<>()).add(r);
        }
        for (Map.Entry<Instant, List<Leased>> e : later.entrySet()) {
            putBack(e.getValue(), e.getKey(), "destination " + destination + " is throttled: " + reason);
        }
        if (!due.isEmpty()) {
            List<Decider.Decision> decisions = new ArrayList<>();
            for (Leased r : due) decisions.add(ctx.decider().decideHeld(r, reason, now));
            record(due, decisions, List.of(), "none (destination " + destination + " paused)", now, false,
                    () -> ctx.queue().content(due.get(0).messageId()));
        }
        return true;
    }

    private void send(MtaStsGate.Decision.Go go) throws Exception {
        RouteResult.Hosts hosts = go.hosts();
        String destination = hosts.destination();
        Instant turn = ctx.destinations().takeTurn(destination, ctx.clock().instant());
        if (turn.isAfter(ctx.clock().instant())) {
            putBack(recipients, turn, "destination " + destination + " is held to its hourly rate");
            return;
        }
        MessageForDelivery message = ctx.queue().content(recipients.get(0).messageId());
        List<Envelope.Recipient> rcpts = recipients.stream()
                .map(r -> new Envelope.Recipient(r.address(), r.notifyOn(), r.orcpt())).toList();
        Envelope envelope = new Envelope(message.sender(), rcpts, message.ret(), message.envid(),
                "8BITMIME".equals(message.bodyType()), message.size(), message.smtputf8());
        List<Target> targets = hosts.hops().stream().map(h -> new Target(h.hostName(), h.address())).toList();
        mayHaveSent = true;
        Instant connecting = ctx.clock().instant();
        DestinationProfile profile = profile(hosts);
        DeliveryResult result = ctx.client().deliver(envelope, message::open, targets, go.security(),
                profile == null ? 0 : profile.messagesPerConnection());
        Instant now = ctx.clock().instant();
        ctx.mtaSts().afterDelivery(recipients.get(0).queueId(), go.testing(), result);

        Target used = result.target();
        if (used == null && !result.failedConnections().isEmpty()) {
            used = result.failedConnections().get(result.failedConnections().size() - 1).target();
        }
        String host = used == null ? null : used.hostName();
        String ip = used == null ? null : used.address().getAddress().getHostAddress() + ":" + used.address().getPort();
        List<Decider.Decision> decisions = new ArrayList<>();
        List<DestinationEffect> effects = new ArrayList<>();
        boolean accepted = false;
        for (int i = 0; i < recipients.size(); i++) {
            RecipientResult rr = result.recipients().get(i);
            Decider.Decision d = ctx.decider().decide(recipients.get(i), rr.stage(), rr.reply(), host, ip,
                    result.connectionFailed(), now);
            if (result.tls()) d = d.withTls(result.tlsCipher(), result.tlsVerified());
            decisions.add(d);
            accepted |= d.classification().isDelivered();
            Optional<DestinationEffect> effect = d.retry().destination();
            if (effect.isPresent() && concernsDestination(d, result)) effects.add(effect.get());
        }
        boolean tookMail = accepted;
        UnaryOperator<DestinationState> update = state -> {
            for (DestinationEffect e : effects) {
                state = Destinations.restricted(destination, state, now, e.pauseUntil(), e.maxConnections(),
                        e.maxPerHour(), e.reason());
            }
            return tookMail ? Destinations.accepted(state, now, ctx.destinations().capRelease()) : state;
        };
        // decided on what this node knows (fresh within a second); applied to the row as it is when recorded
        DestinationState known = ctx.destinations().get(destination).orElse(null);
        List<Destinations.Change> throttles = Objects.equals(known, update.apply(known))
                ? List.of() : List.of(new Destinations.Change(destination, update));
        String relay = used == null ? "none" : used.toString();
        if (result.tls()) {
            ctx.mailLog().tlsEstablished(recipients.get(0).queueId(), relay, result.tlsCipher(), result.tlsVerified());
        }
        for (HostFailure f : result.failedConnections()) {
            ctx.mailLog().hostFailed(recipients.get(0).queueId(), f.target().toString(), f.stage().label(),
                    f.reply().toString());
        }
        try {
            record(recipients, decisions, throttles, relay, connecting, result.capabilities().dsn(), () -> message);
        } catch (SQLException e) {
            if (e instanceof LeaseLostException || throttles.isEmpty()) throw e;
            // the next hop has spoken: its answer must be stored, throttle or not, or the mail would go out again
            log.error("{}: could not store the throttle change for {} with the try ({}); storing the try without it",
                    recipients.get(0).queueId(), destination, e.toString());
            record(recipients, decisions, List.of(), relay, connecting, result.capabilities().dsn(), () -> message);
        }
    }

    /** The published limits of the destination's provider, by its best MX host's name; null if none. */
    private DestinationProfile profile(RouteResult.Hosts hosts) {
        return hosts.hops().isEmpty() ? null : ctx.profiles().match(hosts.hops().get(0).hostName()).orElse(null);
    }

    /**
     * Whether a reply should change how the whole destination is treated: replies about the
     * destination (not one RCPT), and for network trouble only when every host failed, as
     * Postfix marks a destination dead only when it cannot reach any of its hosts.
     */
    private static boolean concernsDestination(Decider.Decision d, DeliveryResult result) {
        if (!d.classification().concernsDestination()) return false;
        return d.classification().category() != Category.NETWORK || result.connectionFailed();
    }

    /** A failure before any SMTP (DNS): the same classification and policy as a remote reply. */
    private void recordLocal(Stage stage, int code, String status, String reason) throws Exception {
        SmtpReply reply = SmtpReply.of(code, List.of(status + " " + reason));
        Instant now = ctx.clock().instant();
        List<Decider.Decision> decisions = new ArrayList<>();
        for (Leased r : recipients) decisions.add(ctx.decider().decide(r, stage, reply, null, null, false, now));
        record(recipients, decisions, List.of(), "none", now, false, () -> ctx.queue().content(recipients.get(0).messageId()));
    }

    /**
     * Stores the tries, and in the same transaction the delivery status notifications, the
     * throttle changes and the webhook events they call for; then logs each try, the reports, and every message that
     * left the queue with it.
     *
     * @param connecting when the SMTP conversation began (the end of the route and slot wait)
     */
    private void record(List<Leased> tried, List<Decider.Decision> decisions, List<Destinations.Change> throttles,
                        String relay, Instant connecting, boolean nextHopOffersDsn, Notices.Message message) throws Exception {
        List<Attempt> attempts = decisions.stream().map(Decider.Decision::attempt).toList();
        List<Notices.Report> reports = ctx.notices().reportsFor(tried, attempts, nextHopOffersDsn, message);
        List<Long> removed = ctx.queue().record(tried, attempts, reports.stream().map(Notices.Report::message).toList(),
                throttles, ctx.events().about(tried, attempts, relay));
        throttles.forEach(ctx.destinations()::remember);
        for (int i = 0; i < tried.size(); i++) {
            log(tried.get(i), attempts.get(i), relay, connecting);
            Duration cut = decisions.get(i).retry().cutHint();
            if (cut != null) {
                log.info("{}: to=<{}>: the reply asked to wait {}, cut to retry.max_wait_hint", tried.get(i).queueId(),
                        tried.get(i).address(), Durations.compact(cut));
            }
        }
        for (Notices.Report report : reports) report.log(ctx.mailLog());
        tried.stream().filter(r -> removed.contains(r.messageId())).map(Leased::queueId).distinct()
                .forEach(ctx.mailLog()::removed);
    }

    private void log(Leased r, Attempt a, String relay, Instant connecting) {
        Instant start = started.isBefore(r.receivedAt()) ? r.receivedAt() : started;
        MailLog.Delays delays = new MailLog.Delays(Duration.between(r.receivedAt(), start),
                Duration.between(start, connecting), Duration.between(connecting, a.at()));
        MailLog.Try t = new MailLog.Try(r.queueId(), r.address(), relay, delays, r.attempts() + 1,
                a.status(), a.code(), a.text(), a.category());
        switch (a.state()) {
            case DELIVERED -> ctx.mailLog().sent(t);
            case FAILED -> ctx.mailLog().bounced(t);
            case EXPIRED -> ctx.mailLog().expired(t);
            default -> ctx.mailLog().deferred(t, a.nextAttempt(), a.at());
        }
    }

    private void putBack(List<Leased> held, Instant at, String why) throws Exception {
        ctx.queue().release(held, at);
        log.debug("{}: {} recipient(s) put back until {}: {}", held.get(0).queueId(), held.size(), at, why);
    }

    /**
     * A bug or a database failure in the middle of a job: nothing is recorded that did not
     * happen, and the recipients are put back untried for a minute later. If even that fails,
     * they keep their lease and come back when it expires (or at the next start). A job whose
     * lease was lost (expired and reclaimed) writes nothing at all: the lease's new holder owns
     * the recipients.
     */
    private void failSafe(Throwable e) {
        if (e instanceof LeaseLostException lost) {
            log.warn("{}: lease lost, nothing recorded (the lease's new holder tries again): {}",
                    recipients.get(0).queueId(), lost.getMessage());
            return;
        }
        if (mayHaveSent) {
            // putting them back would send again what the next hop may have taken: they stay leased (the lease
            // kept alive) until this node's next start frees them, a duplicate at worst, as in Postfix
            log.error("{}: the try went out but could not be recorded; {} recipient(s) stay leased until the next start: {}",
                    recipients.get(0).queueId(), recipients.size(), e.toString(), e);
            return;
        }
        log.error("{}: delivery job failed: {}", recipients.get(0).queueId(), e.toString(), e);
        try {
            ctx.queue().release(recipients, ctx.clock().instant().plus(FAILED_JOB_RETRY));
        } catch (Exception | Error again) {
            log.error("{}: recipients stay leased until the lease expires: {}", recipients.get(0).queueId(), again.toString());
        }
    }
}
