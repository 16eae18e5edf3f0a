package dev.tempfail.intake;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code KEY=VALUE} parameters after the address of MAIL FROM or RCPT TO. Keys are
 * upper-cased; a key without a value maps to "". A malformed or repeated parameter is
 * refused with 501 5.5.4 by the caller.
 */
final class EsmtpParameters {
    private EsmtpParameters() {}

    static Map<String, String> parse(String text) {
        Map<String, String> params = new LinkedHashMap<>();
        for (String token : text.trim().split("\\s+")) {
            if (token.isEmpty()) continue;
            int eq = token.indexOf('=');
            String key = (eq < 0 ? token : token.substring(0, eq)).toUpperCase(Locale.ROOT);
            String value = eq < 0 ? "" : token.substring(eq + 1);
            if (!key.matches("[A-Z0-9][A-Z0-9-]*")) throw new IllegalArgumentException("bad parameter name '" + token + "'");
            if (params.put(key, value) != null) throw new IllegalArgumentException("parameter " + key + " given twice");
        }
        return params;
    }
}
