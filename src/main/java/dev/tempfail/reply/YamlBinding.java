package dev.tempfail.reply;

import com.fasterxml.jackson.core.JsonParser;
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

import java.util.Collection;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Reads this package's YAML files (reply rules, destination profiles) into records. Jackson checks
 * the shape: an unknown key fails, a key is the snake_case of its record component
 * ({@code new_transaction}), a single value where a list goes is a one-element list. The records'
 * owners check the values. Each list element is bound on its own, so that an error can name the
 * element ("rule #2 'typo'") as well as the file and the key.
 */
final class YamlBinding {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);

    private YamlBinding() {}

    /**
     * A file whose top level is a mapping with one key, {@code key}, a list, as {@code type} (a
     * record with that one component); null for an empty file. A lone element where the list goes
     * is a list of one.
     */
    static <T> T file(String yaml, String source, Class<T> type, String key) {
        JsonNode tree;
        try {
            tree = YAML.readTree(yaml);
        } catch (JsonProcessingException e) {
            throw new ConfigException(source, "", "not valid YAML: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")"));
        }
        if (tree == null || tree.isNull() || tree.isMissingNode()) return null;
        try {
            return YAML.treeToValue(tree, type);
        } catch (UnrecognizedPropertyException e) {
            throw new ConfigException(source, e.getPropertyName(), "unknown key (the file holds `" + key + ":` only)");
        } catch (JsonProcessingException e) {
            throw new ConfigException(source, "", "must be a mapping with one key, `" + key + ":`, a list");
        }
    }

    /**
     * One element of a list as {@code type}; a mistake is an {@link IllegalArgumentException}
     * whose message says which key and why ("text: must be a single value"), for the caller to
     * name the element.
     */
    static <T> T element(JsonNode node, Class<T> type) {
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException("must be a mapping of keys to values");
        }
        try {
            return YAML.treeToValue(node, type);
        } catch (UnrecognizedPropertyException e) {
            throw new IllegalArgumentException("unknown key '" + e.getPropertyName() + "' (known: "
                    + e.getKnownPropertyIds().stream().map(Object::toString).sorted().collect(Collectors.joining(", ")) + ")");
        } catch (JsonProcessingException e) {
            List<JsonMappingException.Reference> path = e instanceof JsonMappingException m ? m.getPath() : List.of();
            String key = path.isEmpty() ? null : path.get(0).getFieldName();
            String why = why(e, path.size() > 1);
            throw new IllegalArgumentException(key == null ? why : key + ": " + why);
        }
    }

    /** What the value should have been, from the type Jackson could not make of it. */
    private static String why(JsonProcessingException e, boolean inList) {
        Class<?> target = e instanceof MismatchedInputException m ? m.getTargetType() : null;
        if (target == null) return e.getOriginalMessage();
        if (Collection.class.isAssignableFrom(target) || inList) return "must be a value or a list of values";
        if (target == Boolean.class || target == boolean.class) return "must be true or false";
        if (target == Integer.class || target == int.class) return "must be a whole number";
        return "must be a single value";
    }
}
