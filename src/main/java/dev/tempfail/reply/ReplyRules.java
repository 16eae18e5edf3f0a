package dev.tempfail.reply;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.tempfail.config.ConfigException;
import dev.tempfail.config.RetryConfig;
import dev.tempfail.config.Settings;
import dev.tempfail.smtp.Stage;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import java.util.stream.Collectors;

/**
 * The ordered classification rules: the user's file (if any) first, then the shipped
 * {@code config/replies.yaml}, which the build puts in the jar as {@code /defaults/replies.yaml}.
 * The first rule that matches a reply decides its category.
 *
 * <p>A rules file is a mapping with one key, {@code rules}, a list of rules:
 * <pre>
 * rules:
 *   - name: greylisting            # required, unique in the file
 *     stage: [rcpt, data]          # optional: one stage or a list
 *     code: 4xx                    # optional: 451, 45x, 4xx, or a list
 *     status: "4.7.*"              # optional: the enhanced code as sent, * = any digits, none = no code; or a list
 *     text: 'gr[ae]y-?list'        # optional: regex searched in the reply text, case-insensitive
 *     host: '\.example\.net$'      # optional: regex searched in the remote host name
 *     category: greylisted         # required
 *     wait: 10m                    # optional: never try again sooner than this
 *     new_transaction: false       # optional: try again at once in a new transaction (once)
 *     note: the next try will pass # optional
 * </pre>
 * Any mistake (bad YAML, an unknown key, a bad regex, an unknown category) is a
 * {@link ConfigException} naming the file, the rule and the reason. A rule whose category fits
 * only temporary replies ({@link Category#fits}) is never used for a permanent one.
 */
public final class ReplyRules {
    /** Where the shipped rules live on the classpath. */
    public static final String SHIPPED = "/defaults/replies.yaml";
    private static final String SHIPPED_SOURCE = "embedded defaults" + SHIPPED;
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    private static final Set<String> KEYS = Set.of("name", "stage", "code", "status", "text", "host", "category",
            "wait", "note", "new_transaction");
    private static final Set<String> CONDITIONS = Set.of("stage", "code", "status", "text", "host");
    private static final Pattern CODE = Pattern.compile("[1-5][0-9xX]{2}");
    private static final Pattern STATUS = Pattern.compile("([245*xX])\\.([0-9]{1,3}\\*?|\\*)\\.([0-9]{1,3}\\*?|\\*)");

    private final List<ReplyRule> rules;

    private ReplyRules(List<ReplyRule> rules) {
        this.rules = List.copyOf(rules);
    }

    /** The shipped rules alone. */
    public static ReplyRules shipped() {
        return new ReplyRules(readShipped());
    }

    /** The rules {@code retry.rules_file} names (if any), then the shipped ones. */
    public static ReplyRules load(RetryConfig config) {
        return load(config.rulesFile().orElse(null));
    }

    /** The rules {@code retry.rules_file} names (if any), then the profiles' reply rules, then the shipped ones. */
    public static ReplyRules load(RetryConfig config, DestinationProfiles profiles) {
        return load(config.rulesFile().orElse(null), profiles);
    }

    /** The rules in {@code userFile} (may be null), then the shipped ones. */
    public static ReplyRules load(Path userFile) {
        return load(userFile, DestinationProfiles.NONE);
    }

    /**
     * The rules in {@code userFile} (may be null), then the destination profiles' reply rules
     * (each only for its own MX hosts), then the shipped ones.
     */
    public static ReplyRules load(Path userFile, DestinationProfiles profiles) {
        List<ReplyRule> all = new ArrayList<>();
        if (userFile != null) all.addAll(readFile(userFile));
        all.addAll(profiles.replyRules());
        all.addAll(readShipped());
        return new ReplyRules(all);
    }

    /** Rules in this order alone, without the shipped ones: for tests and tools. */
    public static ReplyRules of(List<ReplyRule> rules) {
        return new ReplyRules(rules);
    }

    /** All rules, in the order they are tried. */
    public List<ReplyRule> rules() {
        return rules;
    }

    private static List<ReplyRule> readShipped() {
        try (InputStream in = ReplyRules.class.getResourceAsStream(SHIPPED)) {
            if (in == null) throw new IllegalStateException("shipped reply rules " + SHIPPED + " are missing from the build");
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), SHIPPED_SOURCE);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read shipped reply rules " + SHIPPED, e);
        }
    }

    private static List<ReplyRule> readFile(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException(file.toString(), "", "no such file (named by retry.rules_file)");
        } catch (IOException e) {
            throw new ConfigException(file.toString(), "", "cannot read: " + e.getMessage());
        }
        return parse(text, file.toString());
    }

    /** Parses one rules file; {@code source} names it in errors and in each rule. */
    public static List<ReplyRule> parse(String yaml, String source) {
        JsonNode root;
        try {
            root = YAML.readTree(yaml);
        } catch (JsonProcessingException e) {
            throw new ConfigException(source, "", "not valid YAML: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")"));
        }
        if (root == null || root.isNull() || root.isMissingNode()) return List.of();
        if (!root.isObject()) throw new ConfigException(source, "", "must be a mapping with a list of `rules:`");
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!key.equals("rules")) throw new ConfigException(source, key, "unknown key (the file holds `rules:` only)");
        }
        return parseList(root.get("rules"), source, "rules", null);
    }

    /**
     * A list of rules at {@code key} of a file (rules files, and the {@code replies:} of a
     * destination profile); {@code host}, when given, is added to every rule as its host condition.
     */
    static List<ReplyRule> parseList(JsonNode list, String source, String key, Pattern host) {
        if (list == null || list.isNull()) return List.of();
        if (!list.isArray()) throw new ConfigException(source, key, "must be a list of rules");
        List<ReplyRule> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        int index = 0;
        for (JsonNode node : list) {
            index++;
            ReplyRule rule = rule(node, source, index);
            if (!names.add(rule.name())) {
                throw new ConfigException(source, where(index, rule.name()), "another rule in this file has the same name");
            }
            if (host != null) {
                rule = new ReplyRule(rule.name(), rule.source(), rule.stages(), rule.codes(), rule.statuses(), rule.text(),
                        host, rule.category(), rule.waitAtLeast(), rule.note(), rule.newTransaction());
            }
            out.add(rule);
        }
        return out;
    }

    private static String where(int index, String name) {
        return "rule #" + index + (name == null ? "" : " '" + name + "'");
    }

    private static ReplyRule rule(JsonNode node, String source, int index) {
        if (!node.isObject()) throw new ConfigException(source, where(index, null), "must be a mapping (name:, text:, category:, ...)");
        JsonNode nameNode = node.get("name");
        String name = nameNode != null && nameNode.isValueNode() && !nameNode.asText().isBlank() ? nameNode.asText().trim() : null;
        String at = where(index, name);
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!KEYS.contains(key)) {
                throw new ConfigException(source, at, "unknown key '" + key + "' (known: "
                        + KEYS.stream().sorted().collect(Collectors.joining(", ")) + ")");
            }
        }
        if (name == null) throw new ConfigException(source, at, "name: required, a short name for the rule");
        if (CONDITIONS.stream().noneMatch(node::has)) {
            throw new ConfigException(source, at, "needs at least one condition (stage, code, status, text or host)");
        }
        try {
            Set<Stage> stages = new LinkedHashSet<>();
            for (String s : strings(node, "stage")) stages.add(stage(s));
            List<Pattern> codes = new ArrayList<>();
            for (String c : strings(node, "code")) codes.add(code(c));
            List<Pattern> statuses = new ArrayList<>();
            for (String s : strings(node, "status")) statuses.add(status(s));
            Pattern text = regex(node, "text");
            Pattern host = regex(node, "host");
            JsonNode cat = node.get("category");
            if (cat == null || !cat.isValueNode() || cat.asText().isBlank()) {
                throw new IllegalArgumentException("category: required (one of " + Category.labels() + ")");
            }
            Category category;
            try {
                category = Category.parse(cat.asText());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("category: " + e.getMessage());
            }
            Duration wait = null;
            if (node.hasNonNull("wait")) {
                try {
                    wait = Settings.parseDuration(scalar(node, "wait"));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("wait: " + e.getMessage());
                }
            }
            String note = node.hasNonNull("note") ? scalar(node, "note") : null;
            boolean newTransaction = false;
            if (node.hasNonNull("new_transaction")) {
                JsonNode b = node.get("new_transaction");
                if (!b.isBoolean()) throw new IllegalArgumentException("new_transaction: must be true or false");
                newTransaction = b.booleanValue();
            }
            return new ReplyRule(name, source, stages, codes, statuses, text, host, category, wait, note, newTransaction);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(source, at, e.getMessage());
        }
    }

    static String scalar(JsonNode node, String key) {
        JsonNode v = node.get(key);
        if (!v.isValueNode()) throw new IllegalArgumentException(key + ": must be a single value");
        return v.asText();
    }

    /** A single value or a list of them. */
    private static List<String> strings(JsonNode node, String key) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) return List.of();
        List<String> out = new ArrayList<>();
        if (v.isArray()) {
            for (JsonNode item : v) {
                if (!item.isValueNode()) throw new IllegalArgumentException(key + ": must be a value or a list of values");
                out.add(item.asText().trim());
            }
            if (out.isEmpty()) throw new IllegalArgumentException(key + ": an empty list would never match");
        } else if (v.isValueNode()) {
            out.add(v.asText().trim());
        } else {
            throw new IllegalArgumentException(key + ": must be a value or a list of values");
        }
        return out;
    }

    private static Stage stage(String s) {
        try {
            return Stage.parse(s);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("stage: unknown stage '" + s + "' (known: "
                    + Arrays.stream(Stage.values()).map(Stage::label).collect(Collectors.joining(", ")) + ")");
        }
    }

    private static Pattern code(String c) {
        if (!CODE.matcher(c).matches()) throw new IllegalArgumentException("code: '" + c + "' is not a reply code like 451, 45x or 4xx");
        return Pattern.compile(c.toLowerCase(Locale.ROOT).replace("x", "[0-9]"));
    }

    private static Pattern status(String s) {
        if (s.equalsIgnoreCase("none")) return Pattern.compile("");
        if (!STATUS.matcher(s).matches()) {
            throw new IllegalArgumentException("status: '" + s + "' is not an enhanced status code like 5.1.1, 4.7.* or *.2.2 (or none)");
        }
        String regex = s.toLowerCase(Locale.ROOT).replace(".", "\\.").replace("*", "[0-9]*").replace("x", "[0-9]");
        return Pattern.compile(regex);
    }

    private static Pattern regex(JsonNode node, String key) {
        if (!node.hasNonNull(key)) return null;
        String r = scalar(node, key);
        if (r.isEmpty()) throw new IllegalArgumentException(key + ": an empty pattern would match everything");
        try {
            return Pattern.compile(r, Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException(key + ": not a valid regular expression: "
                    + e.getDescription() + " near index " + e.getIndex() + " of '" + r + "'");
        }
    }
}
