package dev.tempfail.intake;

import dev.tempfail.smtp.Xtext;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;

/** RFC 3461 NOTIFY and ORCPT values, validated and normalised for storage. */
final class DsnParameters {
    private static final Set<String> NOTIFY_WORDS = Set.of("SUCCESS", "FAILURE", "DELAY");

    /** RFC 3461 4.2: an ORCPT value is at most 500 characters; decoded it is no longer, and so fits the queue. */
    static final int MAX_ORCPT = 500;

    private DsnParameters() {}

    /** {@code NEVER}, or a comma list of SUCCESS, FAILURE, DELAY (upper case, in the given order). */
    static String notify(String value) {
        String v = value.toUpperCase(Locale.ROOT);
        if (v.equals("NEVER")) return v;
        Set<String> words = new LinkedHashSet<>();
        for (String word : v.split(",", -1)) {
            if (!NOTIFY_WORDS.contains(word)) {
                throw new IllegalArgumentException("'" + value + "': use NEVER, or any of SUCCESS,DELAY,FAILURE");
            }
            if (!words.add(word)) throw new IllegalArgumentException("'" + word + "' given twice");
        }
        return String.join(",", words);
    }

    /** {@code addr-type;xtext} → {@code addr-type;decoded}, e.g. {@code rfc822;user@example.com}. */
    static String orcpt(String value) {
        if (value.length() > MAX_ORCPT) throw new IllegalArgumentException("longer than " + MAX_ORCPT + " characters");
        int semi = value.indexOf(';');
        if (semi <= 0) throw new IllegalArgumentException("expected addr-type;address, e.g. rfc822;user@example.com");
        String type = value.substring(0, semi);
        if (!type.matches("[A-Za-z0-9][A-Za-z0-9-]*")) throw new IllegalArgumentException("bad address type '" + type + "'");
        String address = Xtext.decode(value.substring(semi + 1));
        if (address.isEmpty() || address.length() > 500) throw new IllegalArgumentException("the address must be 1 to 500 characters");
        return type.toLowerCase(Locale.ROOT) + ";" + address;
    }
}
