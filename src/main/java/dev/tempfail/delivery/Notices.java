package dev.tempfail.delivery;

import dev.tempfail.config.DsnConfig;
import dev.tempfail.dsn.DsnBuilder;
import dev.tempfail.dsn.DsnKind;
import dev.tempfail.dsn.DsnRecipient;
import dev.tempfail.dsn.DsnRequest;
import dev.tempfail.maillog.MailLog;
import dev.tempfail.message.HeaderSection;
import dev.tempfail.queue.Attempt;
import dev.tempfail.queue.BodyStore;
import dev.tempfail.queue.Leased;
import dev.tempfail.queue.MessageForDelivery;
import dev.tempfail.queue.NewMessage;
import dev.tempfail.queue.QueueIds;
import dev.tempfail.queue.RecipientState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which delivery status notifications one delivery try calls for, built and ready to queue:
 * one report per kind (failed, delayed, relayed) for all the recipients of this try that
 * reached it together, to the message's envelope sender, from the null sender.
 *
 * <p>RFC 3461 NOTIFY decides: no NOTIFY means FAILURE,DELAY; NEVER means nothing. Success is
 * reported (as "relayed") only when the next hop does not offer DSN; when it does, NOTIFY went
 * on with the message and the reporting is the next hop's. A message from the null sender
 * never gets a report (no bounce loops): that is a double bounce, logged, and sent to
 * {@code dsn.double_bounce_to} if one is set.
 */
final class Notices {
    private static final Logger log = LoggerFactory.getLogger("tempfail/bounce");
    private static final Set<String> DEFAULT_NOTIFY = Set.of("FAILURE", "DELAY");
    /** The most of a header section a report quotes; the end of a longer one is left out. */
    private static final int MAX_QUOTED_HEADERS = 256 * 1024;

    private final String hostname;
    private final DsnConfig config;
    private final Duration lifetime;
    private final Clock clock;
    private final BodyStore bodies;
    private final MailLog mailLog;

    /** {@code bodies}: where the reports' own bodies are written (they are messages like any other). */
    Notices(String hostname, DsnConfig config, Duration lifetime, Clock clock, BodyStore bodies, MailLog mailLog) {
        this.hostname = hostname;
        this.config = config;
        this.lifetime = lifetime;
        this.clock = clock;
        this.bodies = bodies;
        this.mailLog = mailLog;
    }

    /** Loads the message only if a report needs it. */
    interface Message {
        MessageForDelivery load() throws Exception;
    }

    /** A report ready to queue, with what the mail log says about it once it is committed. */
    record Report(NewMessage message, long size, String about, String kind, int recipients) {
        void log(MailLog mailLog) {
            mailLog.notified(about, kind, message.recipients().get(0).address(), recipients, message.queueId(), size);
        }
    }

    List<Report> reportsFor(List<Leased> recipients, List<Attempt> attempts, boolean nextHopOffersDsn,
                            Message message) throws Exception {
        Map<DsnKind, List<DsnRecipient>> byKind = new EnumMap<>(DsnKind.class);
        // Failures whose NOTIFY says no report. Our own reports go out with NOTIFY=NEVER: when one
        // of them fails, that is still a double bounce, logged and copied to dsn.double_bounce_to.
        List<DsnRecipient> unreported = new ArrayList<>();
        for (int i = 0; i < recipients.size(); i++) {
            Leased r = recipients.get(i);
            Attempt a = attempts.get(i);
            DsnKind kind = kindFor(a, nextHopOffersDsn);
            if (kind == null) continue;
            DsnRecipient about = new DsnRecipient(r.address(), r.orcpt(), a.status(), a.remoteHost(), diagnostic(a),
                    a.category(), a.at(), kind == DsnKind.DELAYED ? r.receivedAt().plus(lifetime) : null);
            if (wanted(r.notifyOn(), kind)) byKind.computeIfAbsent(kind, k -> new ArrayList<>()).add(about);
            else if (kind == DsnKind.FAILED) unreported.add(about);
        }
        if (byKind.isEmpty() && unreported.isEmpty()) return List.of();
        MessageForDelivery m = message.load();
        if (m.sender().isEmpty() && !unreported.isEmpty()) {
            byKind.computeIfAbsent(DsnKind.FAILED, k -> new ArrayList<>()).addAll(unreported);
        }
        if (byKind.isEmpty()) return List.of();
        byte[] original = quoted(m);
        Instant arrival = recipients.get(0).receivedAt();
        List<Report> reports = new ArrayList<>();
        for (Map.Entry<DsnKind, List<DsnRecipient>> e : byKind.entrySet()) {
            String to = m.sender();
            if (to.isEmpty()) {
                // never a copy about a copy that failed: that would loop
                boolean copied = e.getKey() == DsnKind.FAILED && config.doubleBounceTo().isPresent()
                        && e.getValue().stream().noneMatch(d -> d.finalRecipient().equalsIgnoreCase(config.doubleBounceTo().get()));
                mailLog.doubleBounce(m.queueId(), e.getKey().action(), copied ? config.doubleBounceTo().get() : null);
                if (!copied) continue;
                to = config.doubleBounceTo().get();
            }
            Instant now = clock.instant();
            byte[] report = DsnBuilder.build(new DsnRequest(e.getKey(), hostname, m.queueId(), to, m.envid(),
                    m.ret(), arrival, original, original.length == 0 ? 0 : m.size(), e.getValue(), config.maxReturnSize(), now));
            String queueId = QueueIds.next(clock);
            reports.add(new Report(new NewMessage(queueId, "", List.of(new NewMessage.NewRecipient(to, null, "NEVER")),
                    bodies.put(queueId, report), now, null, null, DsnBuilder.bodyType(report), false, null, hostname, true),
                    report.length, m.queueId(), e.getKey().action(), e.getValue().size()));
        }
        return reports;
    }

    /**
     * What a report quotes, read from the body store: the whole message only when it is to be
     * returned whole, else just its start up to the end of the header section. A body that cannot
     * be read (missing from the spool) is quoted as nothing: the sender still hears what happened.
     */
    private byte[] quoted(MessageForDelivery m) {
        try (InputStream in = m.open()) {
            return DsnRequest.returnsWhole(m.ret(), m.size(), config.maxReturnSize())
                    ? in.readAllBytes() : HeaderSection.readStart(in, MAX_QUOTED_HEADERS);
        } catch (IOException e) {
            log.error("{}: cannot read the message to quote it in a report: {}", m.queueId(), e.toString());
            return new byte[0];
        }
    }

    private static DsnKind kindFor(Attempt a, boolean nextHopOffersDsn) {
        if (a.state() == RecipientState.FAILED || a.state() == RecipientState.EXPIRED) return DsnKind.FAILED;
        if (a.state() == RecipientState.DEFERRED && a.markDelayNotified()) return DsnKind.DELAYED;
        if (a.state() == RecipientState.DELIVERED && !nextHopOffersDsn) return DsnKind.RELAYED;
        return null;
    }

    private static boolean wanted(String notify, DsnKind kind) {
        Set<String> words = notify == null ? DEFAULT_NOTIFY : Set.of(notify.split(","));
        return switch (kind) {
            case FAILED -> words.contains("FAILURE");
            case DELAYED -> words.contains("DELAY");
            case DELIVERED, RELAYED -> words.contains("SUCCESS");
        };
    }

    /** The remote reply as it came ({@code smtp;}), or our own words for a failure before SMTP (DNS). */
    private static String diagnostic(Attempt a) {
        if (a.code() == null) return a.text();
        return a.remoteHost() == null ? a.text() : a.code() + " " + a.text();
    }
}
