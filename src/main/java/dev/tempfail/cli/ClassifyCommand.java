package dev.tempfail.cli;

import dev.tempfail.admin.Json;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.tempfail.config.TempfailConfig;
import dev.tempfail.reply.Classification;
import dev.tempfail.reply.DestinationProfile;
import dev.tempfail.reply.DestinationProfiles;
import dev.tempfail.reply.ReplyClassifier;
import dev.tempfail.reply.RetryPolicy;
import dev.tempfail.smtp.SmtpReply;
import dev.tempfail.smtp.Stage;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.time.Duration;
import java.util.Random;
import java.util.concurrent.Callable;

/**
 * {@code tempfail classify [--stage S] [--host H] 'REPLY'}: what the relay makes of one reply,
 * as one JSON object. Uses the rules the configuration names, then the shipped ones.
 */
@Command(name = "classify", mixinStandardHelpOptions = true,
        description = {"Say what an SMTP reply means, as the relay would: one JSON object with the outcome,",
                "category, status to report, the first wait (wait_s: the policy's, or the reply's own if longer), and the rule that decided."})
public final class ClassifyCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ConfigOption config;

    @Option(names = "--stage", paramLabel = "STAGE", defaultValue = "rcpt",
            description = "the command the reply answered: dns, connect, ehlo, starttls, mail, rcpt, data (default ${DEFAULT-VALUE})")
    String stage;

    @Option(names = "--host", paramLabel = "HOST", description = "the remote host's name, for rules with host:")
    String host;

    @Parameters(paramLabel = "REPLY", description = "the reply, e.g. '451 4.7.1 Greylisted'; lines of a multi-line reply separated by newlines")
    String reply;

    /** The JSON form; nulls are left out. */
    @JsonPropertyOrder({"outcome", "category", "status", "wait_s", "per_hour", "new_transaction", "rule", "note",
            "meaning", "profile"})
    record Output(String outcome, String category, String status, Long waitS, Integer perHour, Boolean newTransaction,
                String rule, String note, String meaning, ProfileOut profile) {
        static Output of(Classification c, Duration wait, DestinationProfile profile) {
            return new Output(c.outcome().label(), c.category() == null ? null : c.category().label(), c.status(),
                    wait == null ? null : wait.toSeconds(), c.perHour() == 0 ? null : c.perHour(),
                    c.newTransaction() ? Boolean.TRUE : null, c.rule(), c.note(),
                    c.category() == null ? null : c.category().meaning(), ProfileOut.of(profile));
        }
    }

    /** The destination profile a host gets ({@code config/destinations.yaml}); null when none. */
    @JsonPropertyOrder({"name", "connections", "messages_per_connection", "source"})
    record ProfileOut(String name, Integer connections, Integer messagesPerConnection, String source) {
        static ProfileOut of(DestinationProfile p) {
            if (p == null) return null;
            return new ProfileOut(p.name(), p.connections() == 0 ? null : p.connections(),
                    p.messagesPerConnection() == 0 ? null : p.messagesPerConnection(), p.source());
        }
    }

    @Override
    public Integer call() {
        Stage s;
        SmtpReply r;
        try {
            s = ReplyArguments.stage(stage);
            r = ReplyArguments.reply(reply);
        } catch (IllegalArgumentException e) {
            spec.commandLine().getErr().println("tempfail: " + e.getMessage());
            return 2;
        }
        TempfailConfig cfg = config.load(); // a bad configuration or rules file: Main's one line and exit 2
        DestinationProfiles profiles = DestinationProfiles.load(cfg.delivery());
        ReplyClassifier classifier = ReplyClassifier.configured(cfg.retry(), profiles);
        RetryPolicy policy = new RetryPolicy(cfg.retry(), new Random());
        Classification c = classifier.classify(s, r, host);
        spec.commandLine().getOut().println(Json.write(Output.of(c, policy.firstWait(c), profiles.match(host).orElse(null))));
        return 0;
    }
}
