package dev.tempfail.intake;

import dev.tempfail.message.Utf8Text;

import java.net.IDN;
import java.util.regex.Pattern;

/**
 * RFC 5321 section 4.1.2 syntax for the address in MAIL FROM and RCPT TO: a dot-atom or
 * quoted local part, then a domain name or an address literal. With SMTPUTF8 (RFC 6531
 * section 3.3) the local part may also hold any non-ASCII character and the domain may be
 * written with U-labels, which must convert to valid A-labels (IDNA, as {@link IDN} implements it).
 */
final class MailboxSyntax {
    private static final String ATEXT = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]";
    private static final String UTF8_ATEXT = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~\\-\\x{80}-\\x{10FFFF}]";
    private static final Pattern DOT_ATOM = Pattern.compile(ATEXT + "+(\\." + ATEXT + "+)*");
    private static final Pattern UTF8_DOT_ATOM = Pattern.compile(UTF8_ATEXT + "+(\\." + UTF8_ATEXT + "+)*");
    private static final Pattern QUOTED = Pattern.compile("\"([\\x20\\x21\\x23-\\x5b\\x5d-\\x7e]|\\\\[\\x20-\\x7e])*\"");
    private static final Pattern UTF8_QUOTED =
            Pattern.compile("\"([\\x20\\x21\\x23-\\x5b\\x5d-\\x7e\\x{80}-\\x{10FFFF}]|\\\\[\\x20-\\x7e])*\"");
    private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?");
    private static final Pattern IPV4 = Pattern.compile("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
    private static final Pattern IPV6 = Pattern.compile("IPv6:[0-9A-Fa-f:.]{2,45}");

    private MailboxSyntax() {}

    /** Strips an obsolete source route ({@code @a,@b:user@example.com}), which RFC 5321 says to ignore. */
    static String withoutSourceRoute(String address) {
        if (address.startsWith("@")) {
            int colon = address.indexOf(':');
            if (colon > 0) return address.substring(colon + 1);
        }
        return address;
    }

    /** Returns null if the (ASCII) mailbox is well formed, else what is wrong with it. */
    static String problem(String mailbox) {
        return problem(mailbox, false);
    }

    /**
     * Returns null if the mailbox is well formed, else what is wrong with it.
     *
     * @param utf8 the transaction is SMTPUTF8: non-ASCII local parts and U-label domains are allowed
     */
    static String problem(String mailbox, boolean utf8) {
        int at = mailbox.lastIndexOf('@');
        if (at <= 0) return "an address needs a local part and a domain (user@example.com)";
        String local = mailbox.substring(0, at);
        String domain = mailbox.substring(at + 1);
        if (local.length() > 64) return "the local part is longer than 64 characters";
        if (!(utf8 ? UTF8_DOT_ATOM : DOT_ATOM).matcher(local).matches()
                && !(utf8 ? UTF8_QUOTED : QUOTED).matcher(local).matches()) {
            return "the local part '" + local + "' has characters that must be quoted";
        }
        if (domain.startsWith("[") && domain.endsWith("]")) {
            String literal = domain.substring(1, domain.length() - 1);
            return IPV4.matcher(literal).matches() || IPV6.matcher(literal).matches()
                    ? null : "'" + domain + "' is not an address literal";
        }
        String ascii = domain;
        if (utf8 && Utf8Text.isInternational(domain)) {
            try {
                ascii = IDN.toASCII(domain, IDN.USE_STD3_ASCII_RULES);
            } catch (IllegalArgumentException e) {
                return "'" + domain + "' is not a valid internationalised domain name";
            }
        }
        if (ascii.isEmpty() || ascii.length() > 253) return "the domain is empty or too long";
        for (String label : ascii.split("\\.", -1)) {
            if (!LABEL.matcher(label).matches()) return "'" + domain + "' is not a valid domain name";
        }
        return null;
    }
}
