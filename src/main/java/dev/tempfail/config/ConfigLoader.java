package dev.tempfail.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/**
 * Builds the configuration in three layers: the embedded defaults (the shipped
 * {@code config/tempfail.yaml}), then the file given with {@code --config}, then
 * {@code TEMPFAIL_*} environment variables.
 *
 * <p>The defaults double as the schema: a key that is not in them is unknown and stops
 * start-up, except below a mapping that is empty in the defaults (such as
 * {@code delivery.routes}), whose keys are the user's to choose.
 */
public final class ConfigLoader {
    public static final String ENV_PREFIX = "TEMPFAIL_";
    static final String DEFAULTS = "/defaults/tempfail.yaml";
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private ConfigLoader() {}

    /** Loads the configuration; {@code file} may be null for the embedded defaults alone. */
    public static TempfailConfig load(Path file, Map<String, String> env) {
        return merge(file, env).config();
    }

    /** One setting in effect, as {@code tempfail config show} prints it, and where its value came from. */
    public record Setting(String key, String value, String source) {}

    /**
     * Every setting in effect (after validation), key by key in the order of the defaults, like
     * Postfix's {@code postconf}; {@code source} is "defaults", the file, or the environment variable.
     */
    public static java.util.List<Setting> effective(Path file, Map<String, String> env) {
        Merged m = merge(file, env);
        m.config(); // validates: a config that would not start is not shown as if it were in effect
        java.util.List<Setting> out = new java.util.ArrayList<>();
        flatten(readDefaults(), m.tree(), "", m.origins(), out);
        return out;
    }

    private static void flatten(JsonNode schema, JsonNode node, String prefix, Map<String, String> origins,
                                java.util.List<Setting> out) {
        for (Iterator<String> it = schema.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            String key = prefix + name;
            JsonNode known = schema.get(name);
            JsonNode value = node.get(name);
            if (known.isObject() && !known.isEmpty()) {
                flatten(known, value, key + ".", origins, out);
            } else {
                String text = value == null || value.isNull() ? "null" : value.isValueNode() ? value.asText() : value.toString();
                out.add(new Setting(key, text, origins.getOrDefault(key, "defaults")));
            }
        }
    }

    private record Merged(ObjectNode tree, Map<String, String> origins, String defaultSource) {
        TempfailConfig config() {
            return TempfailConfig.from(new Settings(tree, origins, defaultSource));
        }
    }

    private static Merged merge(Path file, Map<String, String> env) {
        ObjectNode schema = readDefaults();
        ObjectNode merged = schema.deepCopy();
        Map<String, String> origins = new HashMap<>();
        if (file != null) {
            String source = file.toString();
            JsonNode user = readFile(file);
            if (user != null && !user.isNull() && !user.isMissingNode()) {
                if (!user.isObject()) throw new ConfigException(source, "", "the top level must be a mapping of sections");
                overlay(schema, merged, (ObjectNode) user, "", source, origins);
            }
        }
        for (Map.Entry<String, String> e : new TreeMap<>(env).entrySet()) {
            if (!e.getKey().startsWith(ENV_PREFIX)) continue;
            String source = "environment " + e.getKey();
            String path = resolveEnvKey(schema, e.getKey().substring(ENV_PREFIX.length()).toLowerCase(), "");
            if (path == null) throw new ConfigException(source, "", "no such config key");
            set(merged, path, parseEnvValue(e.getValue()));
            origins.put(path, source);
        }
        return new Merged(merged, origins, file == null ? "defaults" : file.toString());
    }

    /** The embedded defaults alone, as the relay runs without a config file. */
    public static TempfailConfig defaults() {
        return load(null, Map.of());
    }

    private static ObjectNode readDefaults() {
        try (InputStream in = ConfigLoader.class.getResourceAsStream(DEFAULTS)) {
            if (in == null) throw new IllegalStateException("embedded defaults " + DEFAULTS + " are missing from the build");
            return (ObjectNode) YAML.readTree(in);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read embedded defaults", e);
        }
    }

    private static JsonNode readFile(Path file) {
        try {
            return YAML.readTree(Files.readString(file));
        } catch (NoSuchFileException e) {
            throw new ConfigException(file.toString(), "", "no such file");
        } catch (JsonProcessingException e) {
            throw new ConfigException(file.toString(), "", "not valid YAML: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")"));
        } catch (IOException e) {
            throw new ConfigException(file.toString(), "", "cannot read: " + e.getMessage());
        }
    }

    private static void overlay(ObjectNode schema, ObjectNode target, ObjectNode user, String prefix,
                                String source, Map<String, String> origins) {
        for (Map.Entry<String, JsonNode> field : user.properties()) {
            String key = prefix + field.getKey();
            JsonNode known = schema.get(field.getKey());
            if (known == null) {
                throw new ConfigException(source, key, "unknown key (known here: "
                        + String.join(", ", (Iterable<String>) schema::fieldNames) + ")");
            }
            JsonNode value = field.getValue();
            if (known.isObject() && !known.isEmpty()) {
                if (!value.isObject()) throw new ConfigException(source, key, "must be a mapping of keys");
                overlay((ObjectNode) known, (ObjectNode) target.get(field.getKey()), (ObjectNode) value,
                        key + ".", source, origins);
            } else {
                target.set(field.getKey(), value);
                origins.put(key, source);
            }
        }
    }

    /** Matches {@code smtp_max_message_size} against the schema's key names, section by section. */
    private static String resolveEnvKey(JsonNode schema, String rest, String prefix) {
        for (Iterator<String> it = schema.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            JsonNode child = schema.get(key);
            boolean section = child.isObject() && !child.isEmpty();
            if (!section && rest.equals(key)) return prefix + key;
            if (section && rest.startsWith(key + "_")) {
                String found = resolveEnvKey(child, rest.substring(key.length() + 1), prefix + key + ".");
                if (found != null) return found;
            }
        }
        return null;
    }

    private static JsonNode parseEnvValue(String value) {
        try {
            JsonNode node = YAML.readTree(value);
            return node == null || node.isMissingNode() ? TextNode.valueOf(value) : node;
        } catch (JsonProcessingException e) {
            return TextNode.valueOf(value);
        }
    }

    private static void set(ObjectNode root, String path, JsonNode value) {
        String[] parts = path.split("\\.");
        ObjectNode node = root;
        for (int i = 0; i < parts.length - 1; i++) node = (ObjectNode) node.get(parts[i]);
        node.set(parts[parts.length - 1], value);
    }
}
