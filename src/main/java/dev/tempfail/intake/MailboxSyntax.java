package dev.tempfail.intake;

import java.util.regex.Pattern;

/**
 * RFC 5321 section 4.1.2 syntax for the address in MAIL FROM and RCPT TO: a dot-atom or
 * quoted local part, then a domain name or an address literal.
 */
final class MailboxSyntax {
    private static final String ATEXT = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]";
    private static final Pattern DOT_ATOM = Pattern.compile(ATEXT + "+(\\." + ATEXT + "+)*");
    private static final Pattern QUOTED = Pattern.compile("\"([\\x20\\x21\\x23-\\x5b\\x5d-\\x7e]|\\\\[\\x20-\\x7e])*\"");
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

    /** Returns null if the mailbox is well formed, else what is wrong with it. */
    static String problem(String mailbox) {
        int at = mailbox.lastIndexOf('@');
        if (at <= 0) return "an address needs a local part and a domain (user@example.com)";
        String local = mailbox.substring(0, at);
        String domain = mailbox.substring(at + 1);
        if (local.length() > 64) return "the local part is longer than 64 characters";
        if (!DOT_ATOM.matcher(local).matches() && !QUOTED.matcher(local).matches()) {
            return "the local part '" + local + "' has characters that must be quoted";
        }
        if (domain.startsWith("[") && domain.endsWith("]")) {
            String literal = domain.substring(1, domain.length() - 1);
            return IPV4.matcher(literal).matches() || IPV6.matcher(literal).matches()
                    ? null : "'" + domain + "' is not an address literal";
        }
        if (domain.isEmpty() || domain.length() > 253) return "the domain is empty or too long";
        for (String label : domain.split("\\.", -1)) {
            if (!LABEL.matcher(label).matches()) return "'" + domain + "' is not a valid domain name";
        }
        return null;
    }
}
