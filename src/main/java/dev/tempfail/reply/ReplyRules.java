package dev.tempfail.reply;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
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
 *     yields_to_status: false      # optional: vague wording; a specific enhanced code wins over it
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

    /** Whether {@code rule} is one of the shipped rules (not the user's, nor a destination profile's). */
    static boolean isShipped(ReplyRule rule) {
        return SHIPPED_SOURCE.equals(rule.source());
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

    /** A rules file as written: its one key. */
    record RulesFile(List<JsonNode> rules) {}

    /** One rule as written, before its values are checked ({@code wait} cannot be a component's name). */
    record RuleSpec(String name, List<String> stage, List<String> code, List<String> status, String text, String host,
                    String category, @JsonProperty("wait") String waitAtLeast, String note, Boolean newTransaction, Boolean yieldsToStatus) {}

    /** Parses one rules file; {@code source} names it in errors and in each rule. */
    public static List<ReplyRule> parse(String yaml, String source) {
        RulesFile file = YamlBinding.file(yaml, source, RulesFile.class, "rules");
        return file == null ? List.of() : parseList(file.rules(), source, null);
    }

    /**
     * A list of rules (a rules file's, or the {@code replies:} of a destination profile);
     * {@code host}, when given, is added to every rule as its host condition.
     */
    static List<ReplyRule> parseList(List<JsonNode> list, String source, Pattern host) {
        if (list == null) return List.of();
        List<ReplyRule> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        int index = 0;
        for (JsonNode node : list) {
            index++;
            JsonNode name = node == null ? null : node.get("name");
            String at = "rule #" + index + (name != null && name.isValueNode() && !name.asText().isBlank()
                    ? " '" + name.asText().trim() + "'" : "");
            ReplyRule rule;
            try {
                rule = rule(YamlBinding.element(node, RuleSpec.class), source, host);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(source, at, e.getMessage());
            }
            if (!names.add(rule.name())) throw new ConfigException(source, at, "another rule in this file has the same name");
            out.add(rule);
        }
        return out;
    }

    private static ReplyRule rule(RuleSpec r, String source, Pattern host) {
        if (r.name() == null || r.name().isBlank()) throw new IllegalArgumentException("name: required, a short name for the rule");
        if (r.stage() == null && r.code() == null && r.status() == null && r.text() == null && r.host() == null) {
            throw new IllegalArgumentException("needs at least one condition (stage, code, status, text or host)");
        }
        Set<Stage> stages = values("stage", r.stage()).stream().map(ReplyRules::stage).collect(Collectors.toSet());
        List<Pattern> codes = values("code", r.code()).stream().map(ReplyRules::code).toList();
        List<Pattern> statuses = values("status", r.status()).stream().map(ReplyRules::status).toList();
        if (r.category() == null || r.category().isBlank()) {
            throw new IllegalArgumentException("category: required (one of " + Category.labels() + ")");
        }
        Category category;
        Duration wait;
        try {
            category = Category.parse(r.category());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("category: " + e.getMessage());
        }
        try {
            wait = r.waitAtLeast() == null ? null : Settings.parseDuration(r.waitAtLeast());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("wait: " + e.getMessage());
        }
        Pattern own = regex("host", r.host());
        return new ReplyRule(r.name().trim(), source, stages, codes, statuses, regex("text", r.text()),
                host != null ? host : own, category, wait, r.note(), Boolean.TRUE.equals(r.newTransaction()),
                Boolean.TRUE.equals(r.yieldsToStatus()));
    }

    /** A condition's values, trimmed; none when it is not given. */
    private static List<String> values(String key, List<String> given) {
        if (given == null) return List.of();
        if (given.isEmpty()) throw new IllegalArgumentException(key + ": an empty list would never match");
        if (given.contains(null)) throw new IllegalArgumentException(key + ": must be a value or a list of values");
        return given.stream().map(String::trim).toList();
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

    private static Pattern regex(String key, String r) {
        if (r == null) return null;
        if (r.isEmpty()) throw new IllegalArgumentException(key + ": an empty pattern would match everything");
        try {
            return Pattern.compile(r, Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException(key + ": not a valid regular expression: "
                    + e.getDescription() + " near index " + e.getIndex() + " of '" + r + "'");
        }
    }
}
