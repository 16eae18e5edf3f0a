package dev.tempfail.maillog;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;

import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/**
 * One method per operator-visible event, each writing the line Postfix writes for it (so that
 * {@code pflogsumm} and the usual greps work) and counting it in the relay's meter registry.
 * Every line also carries its fields as key-value pairs, which the JSON layout writes out.
 */
public final class MailLog {
    private static final Logger smtpd = LoggerFactory.getLogger("tempfail/smtpd");
    private static final Logger cleanup = LoggerFactory.getLogger("tempfail/cleanup");
    private static final Logger qmgr = LoggerFactory.getLogger("tempfail/qmgr");
    private static final Logger smtp = LoggerFactory.getLogger("tempfail/smtp");
    private static final Logger bounce = LoggerFactory.getLogger("tempfail/bounce");
    private static final Logger admin = LoggerFactory.getLogger("tempfail/admin");

    private final MeterRegistry registry;
    private final Counter received;
    private final Counter delivered;
    private final Timer latency;
    private final DistributionSummary attemptsPerDelivery;

    public MailLog(MeterRegistry registry) {
        this.registry = registry;
        received = Counter.builder("tempfail.messages.received").description("messages accepted (250 after commit)")
                .register(registry);
        delivered = Counter.builder("tempfail.recipients.delivered").description("recipients accepted by the next hop")
                .register(registry);
        latency = Timer.builder("tempfail.delivery.latency")
                .description("from receipt to delivery, per delivered recipient")
                .serviceLevelObjectives(Duration.ofSeconds(1), Duration.ofSeconds(10), Duration.ofMinutes(1),
                        Duration.ofMinutes(10), Duration.ofHours(1), Duration.ofHours(4), Duration.ofDays(1),
                        Duration.ofDays(3))
                .register(registry);
        attemptsPerDelivery = DistributionSummary.builder("tempfail.delivery.attempts")
                .description("tries it took, per delivered recipient")
                .serviceLevelObjectives(1, 2, 3, 5, 10, 20)
                .register(registry);
    }

    /** For tools and tests that need a log but export no metrics. */
    public static MailLog unmetered() {
        return new MailLog(new SimpleMeterRegistry());
    }

    public MeterRegistry registry() {
        return registry;
    }

    // ---- intake -------------------------------------------------------------------------

    /** Who sent a message, its Message-ID and envelope, written when it is committed (250 follows). */
    public void received(String queueId, Client client, String saslUser, String messageId, String sender, long size, int nrcpt) {
        kv(smtpd.atInfo(), "event", "received", "queue_id", queueId, "client", client.toString())
                .log("{}: client={}{}", queueId, client, saslUser == null ? "" : ", sasl_username=" + saslUser);
        kv(cleanup.atInfo(), "queue_id", queueId, "message_id", messageId)
                .log("{}: message-id={}", queueId, messageId == null ? "" : messageId);
        kv(qmgr.atInfo(), "queue_id", queueId, "from", sender, "size", size, "nrcpt", nrcpt)
                .log("{}: from=<{}>, size={}, nrcpt={} (queue active)", queueId, sender, size, nrcpt);
        received.increment();
    }

    /**
     * A refused command, as Postfix's {@code NOQUEUE: reject:} line:
     * {@code NOQUEUE: reject: RCPT from name[ip]: 554 5.7.1 <x>: Relay access denied; from=<a> to=<x> proto=ESMTP helo=<h>}.
     *
     * @param to the recipient for RCPT, else null
     */
    public void rejected(Refusal reason, String command, Client client, String reply, String from, String to,
                         boolean esmtp, String helo) {
        StringBuilder detail = new StringBuilder("from=<").append(from == null ? "" : from).append('>');
        if (to != null) detail.append(" to=<").append(to).append('>');
        detail.append(" proto=").append(esmtp ? "ESMTP" : "SMTP");
        if (helo != null) detail.append(" helo=<").append(helo).append('>');
        kv(smtpd.atInfo(), "event", "rejected", "reason", reason.label(), "client", client.toString(), "reply", reply,
                "from", from, "to", to).log("NOQUEUE: reject: {} from {}: {}; {}", command, client, reply, detail);
        refusal(reason);
    }

    /** A refusal with no envelope line to write (too many connections, a queue write error). */
    public void refused(Refusal reason, Client client, String reply) {
        kv(smtpd.atWarn(), "event", "rejected", "reason", reason.label(), "client", client.toString(), "reply", reply)
                .log("NOQUEUE: reject: {}: {}", client, reply);
        refusal(reason);
    }

    /** A client logged in; its messages then carry {@code sasl_username=} too. */
    public void authenticated(Client client, String mechanism, String user) {
        kv(smtpd.atInfo(), "event", "auth", "client", client.toString(), "mechanism", mechanism, "user", user)
                .log("auth: client=[{}], mechanism={}, sasl_username={}", client.ip(), mechanism, user);
    }

    /** A failed login, the address first so that fail2ban can ban it ({@code failregex = auth failed: client=\[<HOST>\]}). */
    public void authFailed(Client client, String mechanism, String user, int failures) {
        kv(smtpd.atWarn(), "event", "auth_failed", "client", client.toString(), "mechanism", mechanism, "user", user,
                "failures", failures).log("auth failed: client=[{}], mechanism={}, user=<{}>, failures={}", client.ip(), mechanism, user, failures);
    }

    private void refusal(Refusal reason) {
        Counter.builder("tempfail.intake.refusals").description("commands and messages refused at intake")
                .tag("reason", reason.label()).register(registry).increment();
    }

    // ---- delivery -----------------------------------------------------------------------

    /** The common part of every delivery line: who, where, how long. */
    public record Try(String queueId, String to, String relay, Delays delays, int attempt,
                      String dsn, Integer code, String text, String category) {
        String reply() {
            return code == null ? text : code + " " + text;
        }
    }

    /**
     * Postfix's {@code delays=a/b/c/d}: a = before the queue (0: intake commits at once), b = waiting in the
     * queue, c = finding the route and a free connection slot, d = the SMTP conversation.
     */
    public record Delays(Duration inQueue, Duration setup, Duration transmission) {
        @Override
        public String toString() {
            return "0/" + seconds(inQueue) + "/" + seconds(setup) + "/" + seconds(transmission);
        }
    }

    public void sent(Try t) {
        line(t, "sent").log(format(t, "sent", ""));
        delivered.increment();
        latency.record(delay(t));
        attemptsPerDelivery.record(t.attempt());
    }

    /** A temporary failure; {@code next} is when the recipient is tried again. */
    public void deferred(Try t, Instant next, Instant now) {
        String retry = " retry=" + seconds(Duration.between(now, next)) + "s";
        line(t, "deferred").addKeyValue("next_attempt", next.toString()).log(format(t, "deferred", retry));
        count("tempfail.recipients.deferred", "temporary failures (one per try)", t.category());
    }

    public void bounced(Try t) {
        line(t, "bounced").log(format(t, "bounced", ""));
        count("tempfail.recipients.bounced", "recipients failed permanently", t.category());
    }

    /** The lifetime ran out on a temporary failure: the recipient is given up with 4.4.7. */
    public void expired(Try t) {
        line(t, "expired").log(format(t, "expired", ""));
        count("tempfail.recipients.expired", "recipients given up when their lifetime ran out", t.category());
    }

    /** TLS towards a next hop, as Postfix's smtp(8) logs it: {@code Verified} or {@code Untrusted TLS connection established to …}. */
    public void tlsEstablished(String queueId, String relay, String cipher, boolean verified) {
        kv(smtp.atInfo(), "event", "tls", "queue_id", queueId, "relay", relay, "tls", cipher, "verified", verified)
                .log("{}: {} TLS connection established to {}: {}", queueId, verified ? "Verified" : "Untrusted", relay, cipher);
    }

    /**
     * What a recipient domain's MTA-STS policy did to a delivery: an MX host not used, a host
     * that would have been refused in testing mode, no host left.
     */
    public void mtaSts(String queueId, String domain, String mode, String what) {
        kv(smtp.atInfo(), "event", "mta_sts", "queue_id", queueId, "domain", domain, "mode", mode, "detail", what)
                .log("{}: MTA-STS policy of {} (mode {}): {}", queueId, domain, mode, what);
    }

    /** One host of several failed before the recipients got a reply from another (or none did). */
    public void hostFailed(String queueId, String host, String stage, String reply) {
        kv(smtp.atInfo(), "event", "host_failed", "queue_id", queueId, "relay", host, "stage", stage, "reply", reply)
                .log("{}: host {} said at {}: {}", queueId, host, stage, reply);
    }

    private static LoggingEventBuilder line(Try t, String status) {
        return kv(smtp.atInfo(), "event", status, "queue_id", t.queueId(), "to", t.to(), "relay", t.relay(),
                "delay", seconds(delay(t)), "delays", t.delays().toString(), "dsn", t.dsn(),
                "status", status, "reply", t.reply(), "category", t.category(), "attempt", t.attempt());
    }

    private static String format(Try t, String status, String extra) {
        return t.queueId() + ": to=<" + t.to() + ">, relay=" + t.relay() + ", delay=" + seconds(delay(t))
                + ", delays=" + t.delays() + ", dsn=" + t.dsn() + ", status=" + status
                + " (" + t.reply() + ")" + (t.category() == null ? "" : " category=" + t.category()) + extra;
    }

    private static Duration delay(Try t) {
        return t.delays().inQueue().plus(t.delays().setup()).plus(t.delays().transmission());
    }

    private void count(String name, String description, String category) {
        Counter.builder(name).description(description).tag("category", category == null ? "none" : category)
                .register(registry).increment();
    }

    // ---- reports and the end of a message ------------------------------------------------

    /**
     * A delivery status notification queued to the sender, as Postfix's bounce daemon logs it:
     * {@code QID: sender non-delivery notification: DSNQID}.
     *
     * followed by the report's own {@code from=<>, size=…} line, as it enters the queue.
     *
     * @param kind failed, delayed, delivered or relayed
     */
    public void notified(String queueId, String kind, String to, int recipients, String reportQueueId, long reportSize) {
        String what = switch (kind) {
            case "failed" -> "non-delivery";
            case "delayed" -> "delay";
            default -> "delivery status";
        };
        kv(bounce.atInfo(), "event", "dsn", "queue_id", queueId, "kind", kind, "to", to, "recipients", recipients,
                "dsn_queue_id", reportQueueId)
                .log("{}: sender {} notification: {} ({} to <{}> about {} recipient(s))", queueId, what, reportQueueId,
                        kind, to, recipients);
        kv(qmgr.atInfo(), "queue_id", reportQueueId, "from", "", "size", reportSize, "nrcpt", 1)
                .log("{}: from=<>, size={}, nrcpt=1 (queue active)", reportQueueId, reportSize);
        Counter.builder("tempfail.dsn.sent").description("delivery status notifications queued, by kind")
                .tag("kind", kind).register(registry).increment();
    }

    /**
     * A report about a message from the null sender: it is never answered with another report;
     * a failure goes to {@code dsn.double_bounce_to} if set.
     */
    public void doubleBounce(String queueId, String kind, String copyTo) {
        kv(bounce.atWarn(), "event", "double_bounce", "queue_id", queueId, "kind", kind, "to", copyTo)
                .log("{}: double bounce: a {} report about a message from <> is not sent to the sender{}", queueId,
                        kind, copyTo == null ? "" : "; it goes to <" + copyTo + ">");
    }

    /** Every recipient of the message is final and its reports are queued: it leaves the queue. */
    public void removed(String queueId) {
        kv(qmgr.atInfo(), "event", "removed", "queue_id", queueId).log("{}: removed", queueId);
    }

    /**
     * Something an operator did, with where it came from: {@code QID: hold, by=cli[127.0.0.1]}.
     *
     * @param queueId the message, or null for an action on no one message (a destination, a flush)
     */
    public void operatorAction(String queueId, String action, String detail, String by) {
        kv(admin.atInfo(), "event", "operator", "queue_id", queueId, "action", action, "detail", detail, "by", by)
                .log("{}: {}{}, by={}", queueId == null ? "NOQUEUE" : queueId, action,
                        detail == null || detail.isEmpty() ? "" : " " + detail, by);
    }

    // ---- helpers ------------------------------------------------------------------------

    /** Adds key-value pairs (name, value, name, value…), leaving out null values. */
    private static LoggingEventBuilder kv(LoggingEventBuilder b, Object... pairs) {
        for (int i = 0; i < pairs.length; i += 2) {
            if (pairs[i + 1] != null) b = b.addKeyValue((String) pairs[i], pairs[i + 1]);
        }
        return b;
    }

    /** Seconds as Postfix writes them: {@code 0.12}, {@code 3.4}, {@code 125}. */
    static String seconds(Duration d) {
        double s = Math.max(0, d.toMillis()) / 1000.0;
        if (s < 10) return String.format(Locale.ROOT, "%.2g", s).replaceAll("\\.?0+$", "").replaceAll("^$", "0");
        if (s < 100) return String.format(Locale.ROOT, "%.1f", s);
        return String.format(Locale.ROOT, "%.0f", s);
    }
}
