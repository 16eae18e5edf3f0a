package dev.tempfail.lab;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.tempfail.config.ConfigException;
import dev.tempfail.config.Settings;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A retry-lab script: how the fake receiving MTA answers, rule by rule. Written in YAML:
 *
 * <pre>
 * description: one line about it
 * recipients: [full@lab.example]     # optional: whom `lab run` sends to
 * start_minute: 0                    # optional: `lab run` starts its clock at this minute of the hour
 * rules:
 *   - name: quota                    # optional, for logs and errors
 *     address: full@lab.example      # or local: full, or regex: '^full', or none: every recipient
 *     rcpt: "452 4.2.2 Mailbox full" # per stage (connect, ehlo, mail, rcpt, data): a reply,
 *                                    # a list (attempt n gets the n-th; the last repeats), or a
 *                                    # mapping: greylist, rate_limit, max_connections, minutes, delay
 * </pre>
 *
 * At each stage the first rule that matches the recipient and scripts that stage answers; with
 * none, the command is accepted. Presets ship as {@code config/lab/NAME.yaml}. A bad script is a
 * {@link ConfigException} naming the file, the rule and the reason.
 */
public record LabScript(String source, String name, String description, List<String> recipients,
                        Integer startMinute, List<Rule> rules) {

    /** The presets shipped under {@code config/lab/} (in the jar under {@code /defaults/lab/}). */
    public static final List<String> PRESETS = List.of("icloud-reputation", "icloud-volume", "top-of-hour", "greylist",
            "rate-limit-2h", "over-quota", "user-unknown", "dmarc-reject");

    /** Scripted delays are real time; longer than this is surely a mistake. */
    static final Duration MAX_DELAY = Duration.ofMinutes(15);

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Pattern REPLY = Pattern.compile("[245][0-9][0-9]([ -][^\\r\\n]*)?(\\n[245][0-9][0-9]([ -][^\\r\\n]*)?)*");
    private static final Pattern ADDRESS = Pattern.compile("[^@\\s<>]+@[^@\\s<>]+");
    private static final Set<String> TOP_KEYS = Set.of("description", "recipients", "start_minute", "rules");
    private static final Set<String> MATCH_KEYS = Set.of("address", "local", "regex");

    public LabScript {
        recipients = List.copyOf(recipients);
        rules = List.copyOf(rules);
    }

    /** One rule: whom it concerns and what it does at each stage it scripts. */
    public record Rule(String name, Match match, Map<LabStage, Behaviour> stages) {
        public Rule {
            stages = Map.copyOf(stages);
        }

        public Optional<Behaviour> at(LabStage stage) {
            return Optional.ofNullable(stages.get(stage));
        }
    }

    /** Which recipients a rule concerns. */
    public sealed interface Match {
        boolean matches(String address);

        record All() implements Match {
            public boolean matches(String address) {
                return true;
            }
        }

        record Address(String address) implements Match {
            public boolean matches(String a) {
                return a != null && a.equalsIgnoreCase(address);
            }
        }

        record LocalPart(String local) implements Match {
            public boolean matches(String a) {
                return a != null && a.lastIndexOf('@') > 0 && a.substring(0, a.lastIndexOf('@')).equalsIgnoreCase(local);
            }
        }

        record Regex(Pattern pattern) implements Match {
            public boolean matches(String a) {
                return a != null && pattern.matcher(a).find();
            }
        }
    }

    /** An empty script: every command is accepted (the lab's stand-in for the sender's own mailbox). */
    public static LabScript acceptAll() {
        return new LabScript("accept-all", "accept-all", "accepts everything", List.of(), null, List.of());
    }

    /** A preset's name ({@code greylist}) or a file's path. */
    public static LabScript load(String nameOrPath) {
        if (PRESETS.contains(nameOrPath)) return preset(nameOrPath);
        Path file = Path.of(nameOrPath);
        if (!Files.exists(file) && !nameOrPath.contains("/") && !nameOrPath.endsWith(".yaml")) {
            throw new ConfigException(nameOrPath, "", "no such preset or file (presets: " + String.join(", ", PRESETS) + ")");
        }
        try {
            return parse(file.toString(), nameFromFile(file), Files.readString(file, StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            throw new ConfigException(nameOrPath, "", "no such file");
        } catch (IOException e) {
            throw new ConfigException(nameOrPath, "", "cannot read: " + e.getMessage());
        }
    }

    public static LabScript preset(String name) {
        String resource = "/defaults/lab/" + name + ".yaml";
        try (InputStream in = LabScript.class.getResourceAsStream(resource)) {
            if (in == null) throw new ConfigException(name, "", "no such preset (presets: " + String.join(", ", PRESETS) + ")");
            return parse("preset " + name, name, new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + resource, e);
        }
    }

    private static String nameFromFile(Path file) {
        String n = file.getFileName().toString();
        return n.endsWith(".yaml") ? n.substring(0, n.length() - 5) : n.endsWith(".yml") ? n.substring(0, n.length() - 4) : n;
    }

    /** Parses and checks a script; {@code source} names it in errors. */
    public static LabScript parse(String source, String name, String yaml) {
        JsonNode root;
        try {
            root = YAML.readTree(yaml);
        } catch (JsonProcessingException e) {
            throw new ConfigException(source, "", "not valid YAML: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")"));
        }
        if (root == null || root.isNull() || root.isMissingNode()) throw new ConfigException(source, "", "the script is empty");
        if (!root.isObject()) throw new ConfigException(source, "", "the top level must be a mapping (description, recipients, start_minute, rules)");
        unknownKeys(source, "", root, TOP_KEYS);
        String description = root.hasNonNull("description") ? text(source, "description", root.get("description")) : "";
        List<String> recipients = new ArrayList<>();
        if (root.hasNonNull("recipients")) {
            JsonNode list = root.get("recipients");
            if (!list.isArray()) throw new ConfigException(source, "recipients", "must be a list of addresses");
            for (JsonNode n : list) {
                String a = text(source, "recipients", n);
                if (!ADDRESS.matcher(a).matches()) throw new ConfigException(source, "recipients", "'" + a + "' is not an address like user@lab.example");
                recipients.add(a);
            }
        }
        Integer startMinute = null;
        if (root.hasNonNull("start_minute")) {
            JsonNode n = root.get("start_minute");
            if (!n.canConvertToInt() || !n.isIntegralNumber() || n.asInt() < 0 || n.asInt() > 59) {
                throw new ConfigException(source, "start_minute", "must be a minute of the hour, 0 to 59");
            }
            startMinute = n.asInt();
        }
        JsonNode rulesNode = root.get("rules");
        if (rulesNode == null || rulesNode.isNull()) throw new ConfigException(source, "rules", "missing (use 'rules: []' to accept everything)");
        if (!rulesNode.isArray()) throw new ConfigException(source, "rules", "must be a list of rules");
        List<Rule> rules = new ArrayList<>();
        Set<String> names = new LinkedHashSet<>();
        for (int i = 0; i < rulesNode.size(); i++) {
            Rule r = rule(source, i, rulesNode.get(i));
            if (!names.add(r.name())) throw new ConfigException(source, "rule '" + r.name() + "'", "two rules have this name");
            rules.add(r);
        }
        return new LabScript(source, name, description, recipients, startMinute, rules);
    }

    private static Rule rule(String source, int index, JsonNode node) {
        String where = "rules[" + (index + 1) + "]";
        if (!node.isObject()) throw new ConfigException(source, where, "a rule must be a mapping (name, address/local/regex, and stages)");
        String name = node.hasNonNull("name") ? text(source, where + ".name", node.get("name")) : "rule " + (index + 1);
        String rule = "rule '" + name + "'";
        Set<String> allowed = new TreeSet<>(MATCH_KEYS);
        allowed.add("name");
        for (LabStage s : LabStage.values()) allowed.add(s.label());
        unknownKeys(source, rule + ": ", node, allowed);
        Match match = new Match.All();
        int matchers = 0;
        for (String k : MATCH_KEYS) {
            if (!node.hasNonNull(k)) continue;
            matchers++;
            String v = text(source, rule + ": " + k, node.get(k));
            match = switch (k) {
                case "address" -> {
                    if (!ADDRESS.matcher(v).matches()) throw new ConfigException(source, rule + ": address", "'" + v + "' is not an address like user@lab.example");
                    yield new Match.Address(v.toLowerCase(Locale.ROOT));
                }
                case "local" -> {
                    if (v.isEmpty() || v.contains("@")) throw new ConfigException(source, rule + ": local", "must be the part before the @, got '" + v + "'");
                    yield new Match.LocalPart(v);
                }
                default -> {
                    try {
                        yield new Match.Regex(Pattern.compile(v, Pattern.CASE_INSENSITIVE));
                    } catch (PatternSyntaxException e) {
                        throw new ConfigException(source, rule + ": regex", "not a valid regular expression: " + e.getDescription());
                    }
                }
            };
        }
        if (matchers > 1) throw new ConfigException(source, rule, "give at most one of address, local, regex (none: every recipient)");
        Map<LabStage, Behaviour> stages = new EnumMap<>(LabStage.class);
        for (LabStage s : LabStage.values()) {
            JsonNode b = node.get(s.label());
            if (b == null || b.isNull()) continue;
            String key = rule + ": " + s.label();
            if (!s.knowsRecipient() && !(match instanceof Match.All)) {
                throw new ConfigException(source, key, "no recipient is known yet at " + s.label()
                        + ", so only a rule for every recipient (no address/local/regex) can script it");
            }
            stages.put(s, behaviour(source, key, s, b));
        }
        if (stages.isEmpty()) throw new ConfigException(source, rule, "scripts no stage (connect, ehlo, mail, rcpt or data)");
        return new Rule(name, match, stages);
    }

    private static Behaviour behaviour(String source, String key, LabStage stage, JsonNode node) {
        if (node.isTextual() || node.isNumber()) return new Behaviour.Fixed(reply(source, key, stage, node), Duration.ZERO);
        if (node.isArray()) return new Behaviour.Sequence(replies(source, key, stage, node), Duration.ZERO);
        if (!node.isObject()) throw new ConfigException(source, key, "must be a reply, a list of replies, or a mapping");
        unknownKeys(source, key + ".", node, Set.of("reply", "replies", "greylist", "rate_limit", "max_connections", "minutes", "delay"));
        Duration delay = Duration.ZERO;
        if (node.hasNonNull("delay")) {
            delay = duration(source, key + ".delay", node.get("delay"));
            if (delay.compareTo(MAX_DELAY) > 0) throw new ConfigException(source, key + ".delay", "at most " + MAX_DELAY.toMinutes() + "m (delays are real time)");
        }
        List<String> kinds = new ArrayList<>();
        for (String k : List.of("replies", "greylist", "rate_limit", "max_connections", "minutes")) if (node.hasNonNull(k)) kinds.add(k);
        if (kinds.size() > 1) throw new ConfigException(source, key, "give one of replies, greylist, rate_limit, max_connections, minutes, not " + String.join(" and ", kinds));
        String reply = node.hasNonNull("reply") ? reply(source, key + ".reply", stage, node.get("reply")) : null;
        if (kinds.isEmpty()) {
            return reply == null ? new Behaviour.DelayOnly(delay) : new Behaviour.Fixed(reply, delay);
        }
        String kind = kinds.get(0);
        String k = key + "." + kind;
        JsonNode v = node.get(kind);
        switch (kind) {
            case "replies" -> {
                if (reply != null) throw new ConfigException(source, key, "give reply or replies, not both");
                return new Behaviour.Sequence(replies(source, k, stage, v), delay);
            }
            case "greylist" -> {
                if (!stage.knowsRecipient()) throw new ConfigException(source, k, "greylisting needs the recipient: script it at rcpt or data");
                Duration window = duration(source, k, v);
                if (window.isZero()) throw new ConfigException(source, k, "must be longer than 0");
                return new Behaviour.Greylist(window, refusal(source, key, reply, "451 4.7.1 <{rcpt}>: Recipient address rejected: "
                        + "Greylisted for " + window.toSeconds() + " seconds, see http://postgrey.schweikert.ch/help/{domain}.html"), delay);
            }
            case "rate_limit" -> {
                if (stage == LabStage.CONNECT || stage == LabStage.EHLO) throw new ConfigException(source, k, "a rate per sender needs the sender: script it at mail, rcpt or data");
                int perHour = perHour(source, k, v);
                return new Behaviour.RateLimit(perHour, refusal(source, key, reply,
                        "450 4.7.1 Temporary delayed by rate limit, try later (" + perHour + "/h)"), delay);
            }
            case "max_connections" -> {
                if (stage != LabStage.CONNECT) throw new ConfigException(source, k, "only at connect");
                if (!v.isIntegralNumber() || v.asInt() < 1) throw new ConfigException(source, k, "must be a whole number of connections, at least 1");
                return new Behaviour.ConnectionCap(v.asInt(), refusal(source, key, reply, "421 4.7.0 Too many concurrent connections, try again later"), delay);
            }
            default -> {
                return new Behaviour.Minutes(minutes(source, k, v), refusal(source, key, reply, "451 4.7.1 Service unavailable - try again later"), delay);
            }
        }
    }

    private static String refusal(String source, String key, String reply, String fallback) {
        if (reply == null) return fallback;
        if (reply.startsWith("2")) throw new ConfigException(source, key + ".reply", "is the refusal here: it must be a 4xx or 5xx reply");
        return reply;
    }

    private static List<String> replies(String source, String key, LabStage stage, JsonNode node) {
        if (!node.isArray() || node.isEmpty()) throw new ConfigException(source, key, "must be a non-empty list of replies");
        List<String> out = new ArrayList<>();
        int i = 1;
        for (JsonNode n : node) out.add(reply(source, key + "[" + i++ + "]", stage, n));
        return out;
    }

    private static String reply(String source, String key, LabStage stage, JsonNode node) {
        if (!node.isTextual() && !node.isNumber()) throw new ConfigException(source, key, "must be an SMTP reply like \"451 4.7.1 Try again later\"");
        String r = node.asText().strip().replace("\r\n", "\n");
        if (!REPLY.matcher(r).matches()) {
            throw new ConfigException(source, key, "'" + r + "' is not an SMTP reply: a 2xx, 4xx or 5xx code, a space and text, e.g. \"451 4.7.1 Try again later\"");
        }
        String code = r.substring(0, 3);
        for (String line : r.split("\n")) {
            if (!line.startsWith(code)) throw new ConfigException(source, key, "every line of a reply needs the same code");
        }
        return r;
    }

    private static Duration duration(String source, String key, JsonNode node) {
        try {
            return Settings.parseDuration(node.asText());
        } catch (IllegalArgumentException e) {
            throw new ConfigException(source, key, e.getMessage());
        }
    }

    private static int perHour(String source, String key, JsonNode node) {
        String t = node.asText().strip().toLowerCase(Locale.ROOT);
        java.util.regex.Matcher m = Pattern.compile("([0-9]{1,6})\\s*(/\\s*h(our)?)?").matcher(t);
        if (!m.matches() || Integer.parseInt(m.group(1)) < 1) {
            throw new ConfigException(source, key, "must be a rate like 2/h (at least 1), got '" + node.asText() + "'");
        }
        return Integer.parseInt(m.group(1));
    }

    /** {@code 0-4}, {@code "0-4,30-34"}, {@code [0, 1, 2]}: minutes of the hour. */
    private static Set<Integer> minutes(String source, String key, JsonNode node) {
        List<String> parts = new ArrayList<>();
        if (node.isArray()) {
            for (JsonNode n : node) parts.add(n.asText());
        } else {
            for (String p : node.asText().split(",")) parts.add(p);
        }
        Set<Integer> out = new TreeSet<>();
        for (String p : parts) {
            String t = p.strip();
            java.util.regex.Matcher m = Pattern.compile("([0-9]{1,2})(?:\\s*[-–]\\s*([0-9]{1,2}))?").matcher(t);
            if (!m.matches()) throw new ConfigException(source, key, "must be minutes of the hour like 0-4 or \"0-4,30-34\", got '" + t + "'");
            int from = Integer.parseInt(m.group(1));
            int to = m.group(2) == null ? from : Integer.parseInt(m.group(2));
            if (from > 59 || to > 59 || to < from) throw new ConfigException(source, key, "minutes run from 0 to 59, low to high; got '" + t + "'");
            for (int i = from; i <= to; i++) out.add(i);
        }
        if (out.isEmpty()) throw new ConfigException(source, key, "names no minute");
        return out;
    }

    private static String text(String source, String key, JsonNode node) {
        if (!node.isValueNode()) throw new ConfigException(source, key, "must be text");
        return node.asText();
    }

    private static void unknownKeys(String source, String prefix, JsonNode node, Set<String> allowed) {
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!allowed.contains(k)) {
                throw new ConfigException(source, prefix + k,
                        "unknown key (known here: " + String.join(", ", new TreeSet<>(allowed)) + ")");
            }
        }
    }

    /** The addresses {@code lab run} sends message 1..n to: the script's list, those its rules name, else userN@lab.example. */
    public List<String> recipientsFor(int messages) {
        List<String> pool = new ArrayList<>(recipients);
        if (pool.isEmpty()) {
            for (Rule r : rules) {
                if (r.match() instanceof Match.Address a) pool.add(a.address());
                else if (r.match() instanceof Match.LocalPart l) pool.add(l.local() + "@lab.example");
            }
        }
        List<String> out = new ArrayList<>(messages);
        for (int i = 0; i < messages; i++) out.add(pool.isEmpty() ? "user" + (i + 1) + "@lab.example" : pool.get(i % pool.size()));
        return out;
    }
}
