package dev.tempfail.lab;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
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
import java.util.Arrays;
import java.util.EnumMap;
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

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    private static final Pattern REPLY = Pattern.compile("[245][0-9][0-9]([ -][^\\r\\n]*)?(\\n[245][0-9][0-9]([ -][^\\r\\n]*)?)*");
    private static final Pattern ADDRESS = Pattern.compile("[^@\\s<>]+@[^@\\s<>]+");

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

    /** The file as written, bound by Jackson, which refuses any key these records do not name. */
    private record ScriptFile(String description, List<String> recipients, Integer startMinute, List<RuleFile> rules) {}

    private record RuleFile(String name, String address, String local, String regex,
                            JsonNode connect, JsonNode ehlo, JsonNode mail, JsonNode rcpt, JsonNode data) {
        JsonNode at(LabStage stage) {
            return Arrays.asList(connect, ehlo, mail, rcpt, data).get(stage.ordinal());
        }
    }

    /** A stage written as a mapping (a reply alone, or a list of replies, is read as it stands). */
    private record StageFile(String reply, List<String> replies, String greylist, String rateLimit, Integer maxConnections,
                             JsonNode minutes, String delay) {}

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
        ScriptFile file = bind(source, "", root, root, ScriptFile.class);
        List<String> recipients = file.recipients() == null ? List.of() : file.recipients();
        for (String a : recipients) {
            if (a == null || !ADDRESS.matcher(a).matches()) throw new ConfigException(source, "recipients", "'" + a + "' is not an address like user@lab.example");
        }
        if (file.startMinute() != null && (file.startMinute() < 0 || file.startMinute() > 59)) {
            throw new ConfigException(source, "start_minute", "must be a minute of the hour, 0 to 59");
        }
        if (file.rules() == null) throw new ConfigException(source, "rules", "missing (use 'rules: []' to accept everything)");
        List<Rule> rules = new ArrayList<>();
        Set<String> names = new LinkedHashSet<>();
        for (int i = 0; i < file.rules().size(); i++) {
            Rule r = rule(source, i, file.rules().get(i));
            if (!names.add(r.name())) throw new ConfigException(source, "rule '" + r.name() + "'", "two rules have this name");
            rules.add(r);
        }
        return new LabScript(source, name, file.description() == null ? "" : file.description(), recipients, file.startMinute(), rules);
    }

    /**
     * Binds {@code node} (at {@code key} in the script) to {@code type}; an unknown key or a value
     * of the wrong kind is a {@link ConfigException} naming the place as the other errors do.
     */
    private static <T> T bind(String source, String key, JsonNode root, JsonNode node, Class<T> type) {
        try {
            return YAML.treeToValue(node, type);
        } catch (JsonProcessingException e) {
            String at = key;
            List<JsonMappingException.Reference> path = e instanceof JsonMappingException m ? m.getPath() : List.of();
            for (int i = 0; i < path.size(); i++) {
                JsonMappingException.Reference r = path.get(i);
                if (i == 1 && key.isEmpty() && "rules".equals(path.get(0).getFieldName())) {
                    JsonNode named = root.path("rules").path(r.getIndex()).path("name");
                    at = "rule '" + (named.isValueNode() ? named.asText() : "rule " + (r.getIndex() + 1)) + "':";
                } else if (r.getIndex() >= 0) {
                    at += "[" + (r.getIndex() + 1) + "]";
                } else {
                    at += (at.isEmpty() ? "" : at.endsWith(":") ? " " : ".") + r.getFieldName();
                }
            }
            if (at.endsWith(":")) at = at.substring(0, at.length() - 1);
            if (e instanceof UnrecognizedPropertyException u) {
                throw new ConfigException(source, at, "unknown key (known here: " + String.join(", ",
                        new TreeSet<>(u.getKnownPropertyIds().stream().map(String::valueOf).toList())) + ")");
            }
            Class<?> wanted = e instanceof MismatchedInputException m ? m.getTargetType() : null;
            throw new ConfigException(source, at, "must be " + (wanted == ScriptFile.class ? "a mapping (description, recipients, start_minute, rules)"
                    : wanted == RuleFile.class ? "a mapping (name, address/local/regex, and stages)"
                    : wanted == StageFile.class ? "a reply, a list of replies, or a mapping"
                    : wanted != null && List.class.isAssignableFrom(wanted) ? "a list"
                    : wanted == Integer.class ? "a whole number" : "text"));
        }
    }

    private static Rule rule(String source, int index, RuleFile f) {
        if (f == null) throw new ConfigException(source, "rules[" + (index + 1) + "]", "a rule must be a mapping (name, address/local/regex, and stages)");
        String name = f.name() != null ? f.name() : "rule " + (index + 1);
        String rule = "rule '" + name + "'";
        Match match = new Match.All();
        int matchers = 0;
        if (f.address() != null) {
            matchers++;
            if (!ADDRESS.matcher(f.address()).matches()) throw new ConfigException(source, rule + ": address", "'" + f.address() + "' is not an address like user@lab.example");
            match = new Match.Address(f.address().toLowerCase(Locale.ROOT));
        }
        if (f.local() != null) {
            matchers++;
            if (f.local().isEmpty() || f.local().contains("@")) throw new ConfigException(source, rule + ": local", "must be the part before the @, got '" + f.local() + "'");
            match = new Match.LocalPart(f.local());
        }
        if (f.regex() != null) {
            matchers++;
            try {
                match = new Match.Regex(Pattern.compile(f.regex(), Pattern.CASE_INSENSITIVE));
            } catch (PatternSyntaxException e) {
                throw new ConfigException(source, rule + ": regex", "not a valid regular expression: " + e.getDescription());
            }
        }
        if (matchers > 1) throw new ConfigException(source, rule, "give at most one of address, local, regex (none: every recipient)");
        Map<LabStage, Behaviour> stages = new EnumMap<>(LabStage.class);
        for (LabStage s : LabStage.values()) {
            JsonNode b = f.at(s);
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
        if (node.isTextual() || node.isNumber()) return new Behaviour.Fixed(reply(source, key, stage, node.asText()), Duration.ZERO);
        if (node.isArray()) return new Behaviour.Sequence(replies(source, key, stage, bind(source, key, node, node, List.class)), Duration.ZERO);
        StageFile b = bind(source, key, node, node, StageFile.class);
        Duration delay = Duration.ZERO;
        if (b.delay() != null) {
            delay = duration(source, key + ".delay", b.delay());
            if (delay.compareTo(MAX_DELAY) > 0) throw new ConfigException(source, key + ".delay", "at most " + MAX_DELAY.toMinutes() + "m (delays are real time)");
        }
        List<String> kinds = new ArrayList<>();
        if (b.replies() != null) kinds.add("replies");
        if (b.greylist() != null) kinds.add("greylist");
        if (b.rateLimit() != null) kinds.add("rate_limit");
        if (b.maxConnections() != null) kinds.add("max_connections");
        if (b.minutes() != null) kinds.add("minutes");
        if (kinds.size() > 1) throw new ConfigException(source, key, "give one of replies, greylist, rate_limit, max_connections, minutes, not " + String.join(" and ", kinds));
        String reply = b.reply() != null ? reply(source, key + ".reply", stage, b.reply()) : null;
        if (kinds.isEmpty()) {
            return reply == null ? new Behaviour.DelayOnly(delay) : new Behaviour.Fixed(reply, delay);
        }
        String kind = kinds.get(0);
        String k = key + "." + kind;
        switch (kind) {
            case "replies" -> {
                if (reply != null) throw new ConfigException(source, key, "give reply or replies, not both");
                return new Behaviour.Sequence(replies(source, k, stage, b.replies()), delay);
            }
            case "greylist" -> {
                if (!stage.knowsRecipient()) throw new ConfigException(source, k, "greylisting needs the recipient: script it at rcpt or data");
                Duration window = duration(source, k, b.greylist());
                if (window.isZero()) throw new ConfigException(source, k, "must be longer than 0");
                return new Behaviour.Greylist(window, refusal(source, key, reply, "451 4.7.1 <{rcpt}>: Recipient address rejected: "
                        + "Greylisted for " + window.toSeconds() + " seconds, see http://postgrey.schweikert.ch/help/{domain}.html"), delay);
            }
            case "rate_limit" -> {
                if (stage == LabStage.CONNECT || stage == LabStage.EHLO) throw new ConfigException(source, k, "a rate per sender needs the sender: script it at mail, rcpt or data");
                int perHour = perHour(source, k, b.rateLimit());
                return new Behaviour.RateLimit(perHour, refusal(source, key, reply,
                        "450 4.7.1 Temporary delayed by rate limit, try later (" + perHour + "/h)"), delay);
            }
            case "max_connections" -> {
                if (stage != LabStage.CONNECT) throw new ConfigException(source, k, "only at connect");
                if (b.maxConnections() < 1) throw new ConfigException(source, k, "must be a whole number of connections, at least 1");
                return new Behaviour.ConnectionCap(b.maxConnections(), refusal(source, key, reply, "421 4.7.0 Too many concurrent connections, try again later"), delay);
            }
            default -> {
                return new Behaviour.Minutes(minutes(source, k, b.minutes()), refusal(source, key, reply, "451 4.7.1 Service unavailable - try again later"), delay);
            }
        }
    }

    private static String refusal(String source, String key, String reply, String fallback) {
        if (reply == null) return fallback;
        if (reply.startsWith("2")) throw new ConfigException(source, key + ".reply", "is the refusal here: it must be a 4xx or 5xx reply");
        return reply;
    }

    private static List<String> replies(String source, String key, LabStage stage, List<?> list) {
        if (list.isEmpty()) throw new ConfigException(source, key, "must be a non-empty list of replies");
        List<String> out = new ArrayList<>();
        int i = 1;
        for (Object n : list) {
            String at = key + "[" + i++ + "]";
            if (!(n instanceof String || n instanceof Number)) throw new ConfigException(source, at, "must be an SMTP reply like \"451 4.7.1 Try again later\"");
            out.add(reply(source, at, stage, n.toString()));
        }
        return out;
    }

    private static String reply(String source, String key, LabStage stage, String text) {
        String r = text.strip().replace("\r\n", "\n");
        if (!REPLY.matcher(r).matches()) {
            throw new ConfigException(source, key, "'" + r + "' is not an SMTP reply: a 2xx, 4xx or 5xx code, a space and text, e.g. \"451 4.7.1 Try again later\"");
        }
        String code = r.substring(0, 3);
        for (String line : r.split("\n")) {
            if (!line.startsWith(code)) throw new ConfigException(source, key, "every line of a reply needs the same code");
        }
        return r;
    }

    private static Duration duration(String source, String key, String text) {
        try {
            return Settings.parseDuration(text);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(source, key, e.getMessage());
        }
    }

    private static int perHour(String source, String key, String text) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        java.util.regex.Matcher m = Pattern.compile("([0-9]{1,6})\\s*(/\\s*h(our)?)?").matcher(t);
        if (!m.matches() || Integer.parseInt(m.group(1)) < 1) {
            throw new ConfigException(source, key, "must be a rate like 2/h (at least 1), got '" + text + "'");
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
