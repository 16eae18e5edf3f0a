package dev.tempfail.cli;

import dev.tempfail.admin.Json;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.tempfail.config.Durations;
import dev.tempfail.config.TempfailConfig;
import dev.tempfail.reply.Classification;
import dev.tempfail.reply.DestinationEffect;
import dev.tempfail.reply.DestinationProfiles;
import dev.tempfail.reply.ReplyClassifier;
import dev.tempfail.reply.RetryDecision;
import dev.tempfail.reply.RetryPolicy;
import dev.tempfail.reply.RetryTimeline;
import dev.tempfail.smtp.SmtpReply;
import dev.tempfail.smtp.Stage;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/**
 * {@code tempfail schedule --reply R1 --reply R2 ...}: the retry timeline the policy would
 * produce if the destination kept answering with these replies (the last one repeating), from
 * the message's arrival to delivered, failed or expired. Sends nothing.
 */
@Command(name = "schedule", mixinStandardHelpOptions = true,
        description = {"Show when the relay would try again if a destination kept answering with these replies",
                "(the last one repeating), until the message is delivered, fails or expires. Sends nothing."})
public final class ScheduleCommand implements Callable<Integer> {
    /** The simulated message arrives at this instant; only offsets from it are shown. */
    static final Instant ARRIVAL = Instant.parse("2026-01-01T00:00:00Z");

    @Spec CommandSpec spec;
    @Mixin ConfigOption config;

    @Option(names = "--reply", paramLabel = "REPLY", required = true,
            description = "the reply to attempt 1, 2, ... (repeat the option); the last one repeats")
    List<String> replies;

    @Option(names = "--stage", paramLabel = "STAGE", defaultValue = "rcpt",
            description = "the command the replies answer: dns, connect, ehlo, starttls, mail, rcpt, data (default ${DEFAULT-VALUE})")
    String stage;

    @Option(names = "--host", paramLabel = "HOST", description = "the remote host's name, for rules with host:")
    String host;

    @Option(names = "--seed", paramLabel = "N", description = "seed for the jitter, to repeat a run (default: a new one, shown)")
    Long seed;

    @Option(names = "--json", description = "print JSON for tools")
    boolean json;

    @JsonPropertyOrder({"attempt", "at_s", "at", "reply", "outcome", "category", "status", "rule", "retry_in_s",
            "asked_wait_s", "new_transaction", "delay_warning", "destination"})
    record AttemptOut(int attempt, long atS, String at, String reply, String outcome, String category, String status,
                      String rule, Long retryInS, Long askedWaitS, Boolean newTransaction, Boolean delayWarning,
                      DestinationOut destination) {}

    @JsonPropertyOrder({"pause_s", "max_connections", "max_per_hour", "reason"})
    record DestinationOut(Long pauseS, Integer maxConnections, Integer maxPerHour, String reason) {}

    @JsonPropertyOrder({"outcome", "at_s", "at", "attempts", "category", "status", "last_reply"})
    record ResultOut(String outcome, long atS, String at, int attempts, String category, String status, String lastReply) {}

    @JsonPropertyOrder({"seed", "lifetime_s", "delay_warning_s", "profile", "attempts", "result"})
    record Output(long seed, long lifetimeS, Long delayWarningS, ClassifyCommand.ProfileOut profile,
                  List<AttemptOut> attempts, ResultOut result) {}

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        Stage s;
        List<SmtpReply> parsed = new ArrayList<>();
        try {
            s = ReplyArguments.stage(stage);
            for (String r : replies) parsed.add(ReplyArguments.reply(r));
        } catch (IllegalArgumentException e) {
            err.println("tempfail: " + e.getMessage());
            return 2;
        }
        TempfailConfig cfg = config.load(); // a bad configuration or rules file: Main's one line and exit 2
        DestinationProfiles profiles = DestinationProfiles.load(cfg.delivery());
        ReplyClassifier classifier = ReplyClassifier.configured(cfg.retry(), profiles);
        long used = seed != null ? seed : new Random().nextLong();
        RetryPolicy policy = new RetryPolicy(cfg.retry(), new SplittableRandom(used));
        List<RetryTimeline.Attempt> timeline = RetryTimeline.simulate(classifier, policy, s, host, parsed, ARRIVAL);
        Output out = output(used, cfg.retry().lifetime(), cfg.retry().delayWarning(),
                ClassifyCommand.ProfileOut.of(profiles.match(host).orElse(null)), timeline);
        if (json) {
            spec.commandLine().getOut().println(Json.pretty(out));
        } else {
            print(out, spec.commandLine().getOut());
        }
        return 0;
    }

    static Output output(long seed, Duration lifetime, Duration delayWarning, ClassifyCommand.ProfileOut profile,
                         List<RetryTimeline.Attempt> timeline) {
        List<AttemptOut> attempts = new ArrayList<>();
        for (RetryTimeline.Attempt a : timeline) {
            Classification c = a.classification();
            RetryDecision d = a.decision();
            Long retryIn = null;
            Boolean split = null;
            if (d.action() instanceof RetryDecision.RetryAt r) {
                retryIn = r.delay().toSeconds();
                split = r.newTransaction() ? Boolean.TRUE : null;
            }
            DestinationOut dest = d.destination().map(e -> destination(e, ARRIVAL.plus(a.offset()))).orElse(null);
            attempts.add(new AttemptOut(a.number(), a.offset().toSeconds(), Durations.offset(a.offset()),
                    c.reply().toString(), c.outcome().label(), c.category() == null ? null : c.category().label(),
                    c.status(), c.rule(), retryIn, d.cutHint() == null ? null : d.cutHint().toSeconds(), split,
                    d.warnDelay() ? Boolean.TRUE : null, dest));
        }
        RetryTimeline.Attempt last = timeline.get(timeline.size() - 1);
        return new Output(seed, lifetime.toSeconds(), delayWarning.isZero() ? null : delayWarning.toSeconds(), profile,
                attempts, result(last, last.classification(), timeline.size()));
    }

    private static ResultOut result(RetryTimeline.Attempt last, Classification c, int attempts) {
        String at = Durations.offset(last.offset());
        long atS = last.offset().toSeconds();
        RetryDecision.Action action = last.decision().action();
        if (action instanceof RetryDecision.Failed f) {
            return new ResultOut("failed", atS, at, attempts, f.category().label(), f.status(), c.reply().toString());
        }
        if (action instanceof RetryDecision.Expired e) {
            return new ResultOut("expired", atS, at, attempts, e.category().label(), e.status(), c.reply().toString());
        }
        return new ResultOut("delivered", atS, at, attempts, null, c.status(), c.reply().toString());
    }

    private static DestinationOut destination(DestinationEffect e, Instant now) {
        return new DestinationOut(e.pauseUntil() == null ? null : Duration.between(now, e.pauseUntil()).toSeconds(),
                e.maxConnections() == 0 ? null : e.maxConnections(), e.maxPerHour() == 0 ? null : e.maxPerHour(), e.reason());
    }

    private static void print(Output o, PrintWriter out) {
        out.println("lifetime " + Durations.compact(Duration.ofSeconds(o.lifetimeS()))
                + ", delay warning " + (o.delayWarningS() == null ? "off" : Durations.compact(Duration.ofSeconds(o.delayWarningS())))
                + ", seed " + o.seed());
        if (o.profile() != null) out.println(profileLine(o.profile()));
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"#", "at", "verdict", "then", "reply"});
        for (AttemptOut a : o.attempts()) {
            StringBuilder then = new StringBuilder();
            if (a.retryInS() != null) {
                then.append(a.retryInS() == 0 ? "retry at once" : "retry in " + Durations.compact(Duration.ofSeconds(a.retryInS())));
                if (a.newTransaction() != null) then.append(" (new transaction)");
                if (a.askedWaitS() != null) {
                    then.append(" (asked for ").append(Durations.compact(Duration.ofSeconds(a.askedWaitS())))
                            .append(", cut to retry.max_wait_hint)");
                }
            } else {
                then.append(o.result().outcome());
            }
            if (a.delayWarning() != null) then.append(", delay DSN");
            if (a.destination() != null) then.append(", destination: ").append(describe(a.destination()));
            rows.add(new String[] {Integer.toString(a.attempt()), a.at(),
                    a.outcome() + (a.category() == null ? "" : " " + a.category()) + " " + a.status(), then.toString(), a.reply()});
        }
        int[] width = new int[4];
        for (String[] r : rows) for (int i = 0; i < 4; i++) width[i] = Math.max(width[i], r[i].length());
        for (String[] r : rows) {
            out.println(String.format("%" + width[0] + "s  %-" + width[1] + "s  %-" + width[2] + "s  %-" + width[3] + "s  %s",
                    r[0], r[1], r[2], r[3], r[4]).stripTrailing());
        }
        ResultOut r = o.result();
        out.println(switch (r.outcome()) {
            case "delivered" -> "delivered at " + r.at() + " (attempt " + r.attempts() + ")";
            case "failed" -> "failed at " + r.at() + " (attempt " + r.attempts() + "): " + r.category() + " " + r.status();
            default -> "expired at " + r.at() + " (attempt " + r.attempts() + "): " + r.status() + ", last reply: " + r.lastReply();
        });
    }

    /** {@code profile yahoo: 20 messages per connection (source: ...)}: the provider's published limits that apply. */
    static String profileLine(ClassifyCommand.ProfileOut p) {
        List<String> limits = new ArrayList<>();
        if (p.connections() != null) limits.add("at most " + p.connections() + " connection" + (p.connections() == 1 ? "" : "s"));
        if (p.messagesPerConnection() != null) limits.add(p.messagesPerConnection() + " messages per connection");
        return "profile " + p.name() + (limits.isEmpty() ? "" : ": " + String.join(", ", limits)) + " (source: " + p.source() + ")";
    }

    private static String describe(DestinationOut d) {
        List<String> parts = new ArrayList<>();
        if (d.pauseS() != null) parts.add("pause " + Durations.compact(Duration.ofSeconds(d.pauseS())));
        if (d.maxConnections() != null) parts.add("max " + d.maxConnections() + " connection" + (d.maxConnections() == 1 ? "" : "s"));
        if (d.maxPerHour() != null) parts.add("max " + d.maxPerHour() + "/h");
        return String.join(", ", parts);
    }
}
