package dev.tempfail.lab;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The script at work: given a stage and what is known of the conversation, which reply to
 * send. Keeps the state the time-based behaviours need (attempt counts, greylist triples,
 * recent acceptances per sender), all measured on the injected clock. No I/O; thread-safe.
 *
 * <p>What counts as "attempt n" for a list of replies: at connect and EHLO, the n-th
 * connection from that client address; at MAIL, the n-th transaction from that sender; at RCPT
 * and DATA, the n-th try of that recipient.
 */
public final class ScriptedReplies implements Answers {
    private static final Duration HOUR = Duration.ofHours(1);

    private final LabScript script;
    private final Clock clock;
    private final Map<String, Integer> counts = new HashMap<>();
    private final Map<String, Instant> greylistFirstSeen = new HashMap<>();
    private final Map<String, Deque<Instant>> accepted = new HashMap<>();

    public ScriptedReplies(LabScript script, Clock clock) {
        this.script = script;
        this.clock = clock;
    }

    public LabScript script() {
        return script;
    }

    @Override
    public synchronized Answer connect(String client, int open) {
        return answer(LabStage.CONNECT, null, client, "", client, open);
    }

    @Override
    public synchronized Answer ehlo(String client) {
        return answer(LabStage.EHLO, null, client, "", client, 0);
    }

    @Override
    public synchronized Answer mail(String client, String sender) {
        return answer(LabStage.MAIL, null, client, sender, sender, 0);
    }

    @Override
    public synchronized Answer rcpt(String client, String sender, String recipient) {
        return answer(LabStage.RCPT, recipient, client, sender, recipient.toLowerCase(Locale.ROOT), 0);
    }

    @Override
    public synchronized Answer data(String client, String sender, List<String> recipients) {
        for (LabScript.Rule rule : script.rules()) {
            if (rule.at(LabStage.DATA).isEmpty()) continue;
            for (String r : recipients) {
                if (rule.match().matches(r)) {
                    return apply(rule, LabStage.DATA, r, client, sender, r.toLowerCase(Locale.ROOT), 0);
                }
            }
        }
        return Answer.PASS;
    }

    private Answer answer(LabStage stage, String recipient, String client, String sender, String key, int open) {
        for (LabScript.Rule rule : script.rules()) {
            if (rule.at(stage).isPresent() && (recipient == null ? rule.match() instanceof LabScript.Match.All
                    : rule.match().matches(recipient))) {
                return apply(rule, stage, recipient, client, sender, key, open);
            }
        }
        return Answer.PASS;
    }

    private Answer apply(LabScript.Rule rule, LabStage stage, String recipient, String client, String sender, String key,
                         int open) {
        Behaviour b = rule.at(stage).orElseThrow();
        Instant now = clock.instant();
        String reply = null;
        if (b instanceof Behaviour.Fixed f) {
            reply = f.reply();
        } else if (b instanceof Behaviour.Sequence s) {
            int n = counts.merge(rule.name() + "|" + stage + "|" + key, 1, Integer::sum);
            reply = s.replies().get(Math.min(n, s.replies().size()) - 1);
        } else if (b instanceof Behaviour.Greylist g) {
            String triple = rule.name() + "|" + stage + "|" + sender.toLowerCase(Locale.ROOT) + "|"
                    + String.valueOf(recipient).toLowerCase(Locale.ROOT) + "|" + client;
            Instant first = greylistFirstSeen.computeIfAbsent(triple, t -> now);
            if (now.isBefore(first.plus(g.window()))) reply = g.reply();
        } else if (b instanceof Behaviour.RateLimit r) {
            Deque<Instant> times = accepted.computeIfAbsent(rule.name() + "|" + stage + "|" + sender.toLowerCase(Locale.ROOT),
                    k -> new ArrayDeque<>());
            while (!times.isEmpty() && !times.peekFirst().isAfter(now.minus(HOUR))) times.pollFirst();
            if (times.size() >= r.perHour()) reply = r.reply();
            else times.addLast(now);
        } else if (b instanceof Behaviour.ConnectionCap c) {
            if (open >= c.max()) reply = c.reply();
        } else if (b instanceof Behaviour.Minutes m) {
            if (m.minutes().contains(now.atZone(ZoneOffset.UTC).getMinute())) reply = m.reply();
        }
        return new Answer(reply == null ? null : fill(reply, recipient, sender, client), b.delay(), rule.name());
    }

    /**
     * {@code {rcpt}}, {@code {domain}} (the recipient's), {@code {sender}}, {@code {sender_domain}}
     * and {@code {client}} (its address) in a reply.
     */
    static String fill(String reply, String recipient, String sender, String client) {
        String r = recipient == null ? "" : recipient;
        String s = sender == null ? "" : sender;
        return reply.replace("{rcpt}", r).replace("{domain}", domainOf(r)).replace("{sender_domain}", domainOf(s))
                .replace("{sender}", s).replace("{client}", client == null ? "" : client);
    }

    private static String domainOf(String address) {
        return address.contains("@") ? address.substring(address.lastIndexOf('@') + 1) : "";
    }
}
