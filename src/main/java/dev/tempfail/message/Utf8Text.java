package dev.tempfail.message;

/**
 * Whether an address or a header field is internationalised: anything beyond ASCII in an
 * envelope or a header section needs SMTPUTF8 (RFC 6531, 6532) of every server it passes.
 */
public final class Utf8Text {
    private Utf8Text() {}

    /** True if {@code text} has a character beyond US-ASCII. */
    public static boolean isInternational(String text) {
        return text.chars().anyMatch(c -> c >= 0x80);
    }
}
