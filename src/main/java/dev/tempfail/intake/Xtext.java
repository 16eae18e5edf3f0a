package dev.tempfail.intake;

/** RFC 3461 section 4 xtext: printable US-ASCII, with '+', '=' and the rest as "+HH". */
public final class Xtext {
    private Xtext() {}

    /** Decodes xtext; throws IllegalArgumentException naming what is wrong. */
    public static String decode(String xtext) {
        StringBuilder out = new StringBuilder(xtext.length());
        for (int i = 0; i < xtext.length(); i++) {
            char c = xtext.charAt(i);
            if (c == '+') {
                if (i + 2 >= xtext.length()) {
                    throw new IllegalArgumentException("'+' must be followed by two hex digits");
                }
                String hex = xtext.substring(i + 1, i + 3);
                if (!hex.matches("[0-9A-F]{2}")) throw new IllegalArgumentException("'+" + hex + "' is not +HH with upper-case hex");
                out.append((char) Integer.parseInt(hex, 16));
                i += 2;
            } else if (c < 33 || c > 126 || c == '=') {
                throw new IllegalArgumentException("character " + (c < 33 || c > 126 ? "0x" + Integer.toHexString(c) : "'" + c + "'")
                        + " must be written as +HH");
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    public static String encode(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (char c : text.toCharArray()) {
            if (c < 33 || c > 126 || c == '+' || c == '=') out.append('+').append(String.format("%02X", (int) c & 0xff));
            else out.append(c);
        }
        return out.toString();
    }
}
