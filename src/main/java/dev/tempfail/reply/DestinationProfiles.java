package dev.tempfail.reply;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tempfail.config.ConfigException;
import dev.tempfail.config.DeliveryConfig;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * What the big receivers publish about themselves, as data: for the MX hosts of a provider, how
 * many connections and how many messages per connection they take, and what their own
 * throttling replies mean (KumoMTA's community shaping file is the model). The user's file
 * ({@code delivery.destinations_file}) comes first and a profile in it replaces a shipped one of
 * the same name; the shipped {@code config/destinations.yaml} is in the jar as
 * {@code /defaults/destinations.yaml}.
 *
 * <pre>
 * profiles:
 *   - name: yahoo                  # required, unique
 *     mx: [.yahoodns.net]          # required: MX host name suffixes
 *     source: https://...          # required: where the figures come from
 *     connections: 0               # optional: at most this many connections at once (0 = delivery.per_destination)
 *     messages_per_connection: 20  # optional: then a new connection (0 = no limit)
 *     replies:                     # optional: reply rules (the format of config/replies.yaml), for these hosts only
 *       - {name: yahoo-tss04, text: '\[TS?S04\]', category: rate_limited, wait: 2h}
 * </pre>
 *
 * A reply rule's {@code wait} on a reply about the whole destination (not one RCPT) is also the
 * destination's pause, within {@code retry.max_pause}.
 */
public final class DestinationProfiles {
    /** Where the shipped profiles live on the classpath. */
    public static final String SHIPPED = "/defaults/destinations.yaml";
    /** No profiles at all: for tests and tools that want the rules alone. */
    public static final DestinationProfiles NONE = new DestinationProfiles(List.of());

    private final List<DestinationProfile> profiles;

    private DestinationProfiles(List<DestinationProfile> profiles) {
        this.profiles = List.copyOf(profiles);
    }

    /** The shipped profiles alone. */
    public static DestinationProfiles shipped() {
        return new DestinationProfiles(readShipped());
    }

    /** The profiles {@code delivery.destinations_file} names (if any), then the shipped ones. */
    public static DestinationProfiles load(DeliveryConfig config) {
        return load(config.destinationsFile().orElse(null));
    }

    /** The profiles in {@code userFile} (may be null), then the shipped ones not replaced by a user profile of that name. */
    public static DestinationProfiles load(Path userFile) {
        List<DestinationProfile> all = new ArrayList<>();
        if (userFile != null) all.addAll(readFile(userFile));
        Set<String> mine = all.stream().map(DestinationProfile::name).collect(Collectors.toSet());
        for (DestinationProfile p : readShipped()) if (!mine.contains(p.name())) all.add(p);
        return new DestinationProfiles(all);
    }

    /** Every profile, user ones first. */
    public List<DestinationProfile> profiles() {
        return profiles;
    }

    /**
     * The profile for a remote host: the one with the longest MX suffix that the host ends with
     * (a user profile wins a tie); empty for an unknown host or none.
     */
    public Optional<DestinationProfile> match(String host) {
        if (host == null) return Optional.empty();
        String h = host.toLowerCase(Locale.ROOT);
        if (h.endsWith(".")) h = h.substring(0, h.length() - 1);
        DestinationProfile best = null;
        int bestLength = -1;
        for (DestinationProfile p : profiles) {
            for (String suffix : p.mxSuffixes()) {
                if ((h.equals(suffix) || h.endsWith("." + suffix)) && suffix.length() > bestLength) {
                    best = p;
                    bestLength = suffix.length();
                }
            }
        }
        return Optional.ofNullable(best);
    }

    /** The profiles' reply rules, in profile order, each limited to its profile's MX hosts. */
    List<ReplyRule> replyRules() {
        return profiles.stream().flatMap(p -> p.replies().stream()).toList();
    }

    private static List<DestinationProfile> readShipped() {
        try (InputStream in = DestinationProfiles.class.getResourceAsStream(SHIPPED)) {
            if (in == null) throw new IllegalStateException("shipped destination profiles " + SHIPPED + " are missing from the build");
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), "embedded defaults" + SHIPPED);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read shipped destination profiles " + SHIPPED, e);
        }
    }

    private static List<DestinationProfile> readFile(Path file) {
        try {
            return parse(Files.readString(file), file.toString());
        } catch (NoSuchFileException e) {
            throw new ConfigException(file.toString(), "", "no such file (named by delivery.destinations_file)");
        } catch (IOException e) {
            throw new ConfigException(file.toString(), "", "cannot read: " + e.getMessage());
        }
    }

    /** A profiles file as written: its one key. */
    record ProfilesFile(List<JsonNode> profiles) {}

    /** One profile as written, before its values are checked. */
    record ProfileSpec(String name, List<String> mx, String source, Integer connections, Integer messagesPerConnection,
                       List<JsonNode> replies) {}

    /** Parses one profiles file; {@code source} names it in errors. */
    public static List<DestinationProfile> parse(String yaml, String source) {
        ProfilesFile file = YamlBinding.file(yaml, source, ProfilesFile.class, "profiles");
        if (file == null || file.profiles() == null) return List.of();
        List<DestinationProfile> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        int index = 0;
        for (JsonNode node : file.profiles()) {
            index++;
            String at = "profile #" + index;
            ProfileSpec spec;
            try {
                spec = YamlBinding.element(node, ProfileSpec.class);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(source, at, e.getMessage());
            }
            DestinationProfile p = profile(spec, source, at);
            if (!names.add(p.name())) throw new ConfigException(source, "profile '" + p.name() + "'", "another profile has the same name");
            out.add(p);
        }
        return out;
    }

    private static DestinationProfile profile(ProfileSpec spec, String source, String at) {
        String name = required(spec.name(), "name", source, at);
        at = at + " '" + name + "'";
        String origin = required(spec.source(), "source", source, at);
        List<String> suffixes = spec.mx() == null ? List.of()
                : spec.mx().stream().map(s -> s == null ? "" : suffix(s)).toList();
        if (suffixes.isEmpty() || suffixes.contains("")) {
            throw new ConfigException(source, at, "mx: required, one or a list of MX host name suffixes like .yahoodns.net");
        }
        int connections = count(spec.connections(), "connections", source, at);
        int perConnection = count(spec.messagesPerConnection(), "messages_per_connection", source, at);
        Pattern hosts = Pattern.compile(suffixes.stream().map(s -> "(?:^|\\.)" + Pattern.quote(s) + "\\.?$")
                .collect(Collectors.joining("|")), Pattern.CASE_INSENSITIVE);
        List<ReplyRule> replies = ReplyRules.parseList(spec.replies(), source + ": " + at, hosts);
        return new DestinationProfile(name, suffixes, origin, connections, perConnection, replies);
    }

    private static String suffix(String s) {
        String v = s.trim().toLowerCase(Locale.ROOT);
        while (v.startsWith(".")) v = v.substring(1);
        return v.endsWith(".") ? v.substring(0, v.length() - 1) : v;
    }

    private static String required(String value, String key, String source, String at) {
        if (value == null || value.isBlank()) throw new ConfigException(source, at, key + ": required");
        return value.trim();
    }

    private static int count(Integer value, String key, String source, String at) {
        if (value == null) return 0;
        if (value < 0 || value > 100_000) {
            throw new ConfigException(source, at, key + ": must be a whole number from 0 to 100000, got '" + value + "'");
        }
        return value;
    }
}
