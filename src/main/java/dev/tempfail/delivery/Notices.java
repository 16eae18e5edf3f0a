package dev.tempfail.delivery;

import dev.tempfail.config.DsnConfig;
import dev.tempfail.dsn.DsnBuilder;
import dev.tempfail.dsn.DsnKind;
import dev.tempfail.dsn.DsnRecipient;
import dev.tempfail.dsn.DsnRequest;
import dev.tempfail.queue.Attempt;
import dev.tempfail.queue.Leased;
import dev.tempfail.queue.MessageForDelivery;
import dev.tempfail.queue.NewMessage;
import dev.tempfail.queue.QueueIds;
import dev.tempfail.queue.RecipientState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
    private static final Logger log = LoggerFactory.getLogger("dsn");
    private static final Set<String> DEFAULT_NOTIFY = Set.of("FAILURE", "DELAY");

    private final String hostname;
    private final DsnConfig config;
    private final Duration lifetime;
    private final Clock clock;

    Notices(String hostname, DsnConfig config, Duration lifetime, Clock clock) {
        this.hostname = hostname;
        this.config = config;
        this.lifetime = lifetime;
        this.clock = clock;
    }

    /** Loads the message only if a report needs it. */
    interface Message {
        MessageForDelivery load() throws Exception;
    }

    List<NewMessage> reportsFor(List<Leased> recipients, List<Attempt> attempts, boolean nextHopOffersDsn,
                                Message message) throws Exception {
        Map<DsnKind, List<DsnRecipient>> byKind = new EnumMap<>(DsnKind.class);
        for (int i = 0; i < recipients.size(); i++) {
            Leased r = recipients.get(i);
            Attempt a = attempts.get(i);
            DsnKind kind = kindFor(a, nextHopOffersDsn);
            if (kind == null || !wanted(r.notifyOn(), kind)) continue;
            byKind.computeIfAbsent(kind, k -> new ArrayList<>()).add(new DsnRecipient(r.address(), r.orcpt(), a.status(),
                    a.remoteHost(), diagnostic(a), a.category(), a.at(),
                    kind == DsnKind.DELAYED ? r.receivedAt().plus(lifetime) : null));
        }
        if (byKind.isEmpty()) return List.of();
        MessageForDelivery m = message.load();
        Instant arrival = recipients.get(0).receivedAt();
        List<NewMessage> reports = new ArrayList<>();
        for (Map.Entry<DsnKind, List<DsnRecipient>> e : byKind.entrySet()) {
            String to = m.sender();
            if (to.isEmpty()) {
                log.warn("{}: double bounce: a {} report about a message from <> is not sent{}", m.queueId(),
                        e.getKey().name().toLowerCase(), config.doubleBounceTo().map(p -> "; it goes to " + p).orElse(""));
                if (e.getKey() != DsnKind.FAILED || config.doubleBounceTo().isEmpty()) continue;
                to = config.doubleBounceTo().get();
            }
            Instant now = clock.instant();
            byte[] report = DsnBuilder.build(new DsnRequest(e.getKey(), hostname, m.queueId(), to, m.envid(),
                    m.ret(), arrival, m.content(), e.getValue(), config.maxReturnSize(), now));
            String queueId = QueueIds.next(clock);
            reports.add(new NewMessage(queueId, "", List.of(new NewMessage.NewRecipient(to, null, "NEVER")), report, now,
                    null, null, DsnBuilder.bodyType(report), false, null, hostname, true));
            log.info("{}: sender {} notification: {} ({} recipient(s)), queued as {}", m.queueId(),
                    e.getKey().name().toLowerCase(), "<" + to + ">", e.getValue().size(), queueId);
        }
        return reports;
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
