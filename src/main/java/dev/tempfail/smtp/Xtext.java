package dev.tempfail.smtp;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The "xtext" encoding of RFC 3461 section 4, used for the values of {@code ENVID=} and
 * {@code ORCPT=}: printable US-ASCII except {@code +} and {@code =} stands for itself; every
 * other octet is written {@code +XX} in upper-case hexadecimal. Non-ASCII text is encoded as
 * its UTF-8 octets.
 */
public final class Xtext {
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private Xtext() {}

    public static String encode(String text) {
        StringBuilder out = new StringBuilder(text.length() + 8);
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c >= '!' && c <= '~' && c != '+' && c != '=') {
                out.append((char) c);
            } else {
                out.append('+').append(HEX[c >> 4]).append(HEX[c & 0xf]);
            }
        }
        return out.toString();
    }

    /** Decodes xtext; throws {@link IllegalArgumentException} on anything that is not valid xtext. */
    public static String decode(String xtext) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(xtext.length());
        for (int i = 0; i < xtext.length(); i++) {
            char c = xtext.charAt(i);
            if (c == '+') {
                if (i + 2 >= xtext.length()) {
                    throw new IllegalArgumentException("truncated +XX in xtext: " + xtext);
                }
                int hi = Character.digit(xtext.charAt(i + 1), 16);
                int lo = Character.digit(xtext.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) throw new IllegalArgumentException("bad +XX in xtext: " + xtext);
                out.write(hi << 4 | lo);
                i += 2;
            } else if (c >= '!' && c <= '~' && c != '=') {
                out.write(c);
            } else {
                throw new IllegalArgumentException("character not allowed in xtext: " + xtext);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
