package dev.tempfail.reply;

/**
 * The built-in fallbacks: the category an RFC 3463 enhanced status code implies when no rule
 * recognised the reply's wording. Subject and detail decide; the class (4 or 5) does not.
 */
final class Rfc3463 {
    /** A fallback's verdict: the category, the rule name shown to users, and a note. */
    record Fallback(Category category, String rule, String note) {}

    private Rfc3463() {}

    /**
     * The fallback for {@code status} (e.g. {@code 4.2.2}); when its subject says nothing
     * ({@code x.0.*}, or no enhanced code at all), the basic code's meaning in RFC 5321 §4.2:
     * 500-504 are syntax and sequence errors, 551 "user not local"; otherwise {@code unknown}.
     */
    static Fallback categorize(String status, int code) {
        Fallback f = bySubject(status);
        if (f != null) return f;
        if (code >= 500 && code <= 504) {
            return new Fallback(Category.PROTOCOL, "rfc5321 " + code, "a syntax or command-sequence error (RFC 5321)");
        }
        if (code == 551) return new Fallback(Category.BAD_MAILBOX, "rfc5321 551", "user not local (RFC 5321)");
        return new Fallback(Category.UNKNOWN, "reply class " + status.charAt(0) + "xx", "no rule or status code says more");
    }

    /**
     * Whether {@code status} names a specific condition: a known subject and a detail other than
     * 0 ({@code x.y.0} is RFC 3463's "other or undefined" status of its subject) that implies
     * a category.
     */
    static boolean specific(String status) {
        Fallback f = bySubject(status);
        return f != null && f.category() != Category.UNKNOWN && !status.endsWith(".0");
    }

    private static Fallback bySubject(String status) {
        String[] p = status.split("\\.");
        int subject = Integer.parseInt(p[1]);
        int detail = Integer.parseInt(p[2]);
        String rule = "rfc3463 x." + subject + "." + detail;
        String wild = "rfc3463 x." + subject + ".*";
        switch (subject) {
            case 1:
                if (detail == 2 || detail == 10) return new Fallback(Category.BAD_DOMAIN, rule, "bad destination domain");
                if (detail == 7 || detail == 8) return new Fallback(Category.POLICY, rule, "the sender's address was refused");
                return new Fallback(Category.BAD_MAILBOX, detail == 0 || detail == 1 || detail == 3 || detail == 6 ? rule : wild,
                        "bad destination mailbox");
            case 2:
                if (detail == 2) return new Fallback(Category.MAILBOX_FULL, rule, "mailbox full");
                if (detail == 3) return new Fallback(Category.MESSAGE_TOO_LARGE, rule, "message longer than the mailbox allows");
                return status.startsWith("4")
                        ? new Fallback(Category.SERVER_BUSY, "rfc3463 4.2.*", "mailbox not accepting messages for now")
                        : new Fallback(Category.BAD_MAILBOX, "rfc3463 5.2.*", "mailbox disabled or not accepting messages");
            case 3:
                if (detail == 4) return new Fallback(Category.MESSAGE_TOO_LARGE, rule, "message too big for the system");
                return status.startsWith("4")
                        ? new Fallback(Category.SERVER_BUSY, "rfc3463 4.3.*", "the receiving mail system's own condition, for now")
                        : new Fallback(Category.UNKNOWN, "rfc3463 5.3.*", "the receiving mail system refused for a reason of its own");
            case 4:
                if (detail == 6) return new Fallback(Category.LOOP, rule, "routing loop detected");
                return new Fallback(Category.NETWORK, wild, "network or routing problem");
            case 5:
                if (detail == 3) return new Fallback(Category.TOO_MANY_RECIPIENTS, rule, "too many recipients");
                return new Fallback(Category.PROTOCOL, wild, "SMTP protocol problem");
            case 6:
                if (detail == 7) return new Fallback(Category.SMTPUTF8, rule, "non-ASCII addresses not permitted (RFC 6531)");
                return new Fallback(Category.PROTOCOL, wild, "message content or format not accepted");
            case 7:
                if (detail == 1) return new Fallback(Category.POLICY, rule, "delivery not authorized by the receiver's policy");
                if (detail == 8 || detail == 9 || (detail >= 20 && detail <= 27)) {
                    return new Fallback(Category.AUTH_FAILURE, rule, "sender authentication (SPF, DKIM, DMARC, reverse DNS) failed");
                }
                if (detail == 13) return new Fallback(Category.BAD_MAILBOX, rule, "user account disabled");
                return new Fallback(Category.POLICY, wild, "security or policy status");
            default:
                return null;
        }
    }
}
