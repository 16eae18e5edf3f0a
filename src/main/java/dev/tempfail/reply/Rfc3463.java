package dev.tempfail.reply;

import dev.tempfail.smtp.Stage;

import java.util.Map;
import java.util.regex.Pattern;

/**
 * The built-in fallbacks: the category an RFC 3463 enhanced status code (with the later codes of
 * IANA's registry, RFC 5248) implies when no rule recognised the reply's wording; failing that,
 * what the basic code means in RFC 5321 at the command it answered. Subject and detail decide;
 * the class (4 or 5) only where RFC 3463 gives it a meaning.
 *
 * <p>A code is evidence only where it can be true: a subject that cannot apply to the command the
 * reply answered (too many recipients before any RCPT, an address status in the greeting) is
 * taken as sent loosely and falls to the basic code's meaning; a security status in answer to
 * STARTTLS is about the TLS negotiation, a protocol matter.
 */
final class Rfc3463 {
    /** A fallback's verdict: the category, the rule name shown to users, and a note. */
    record Fallback(Category category, String rule, String note) {}

    /**
     * RFC 5321's own texts for its reply codes (section 4.2.2, and 4.2.3's order of them), the
     * words a server sends when it says no more than the code. Vague rules do not read them: in
     * "553 Requested action not taken: mailbox name not allowed" the "not allowed" is the
     * standard's name for 553, not the server's policy.
     */
    private static final Map<Integer, Pattern> STANDARD_TEXT = Map.ofEntries(
            Map.entry(421, standard("service not available(, closing transmission channel)?")),
            Map.entry(450, standard("(requested )?(mail )?action not taken: mailbox unavailable")),
            Map.entry(451, standard("(requested )?action aborted: local error in processing")),
            Map.entry(452, standard("(requested )?action not taken: insufficient system storage")),
            Map.entry(455, standard("server unable to accommodate parameters")),
            Map.entry(500, standard("syntax error, command unrecognized")),
            Map.entry(501, standard("syntax error in parameters or arguments")),
            Map.entry(502, standard("command not implemented")),
            Map.entry(503, standard("bad sequence of commands")),
            Map.entry(504, standard("command parameter not implemented")),
            Map.entry(550, standard("(requested )?action not taken: mailbox unavailable")),
            Map.entry(551, standard("user not local")),
            Map.entry(552, standard("(requested )?(mail )?action aborted: exceeded storage allocation")),
            Map.entry(553, standard("(requested )?action not taken: mailbox name not allowed")),
            Map.entry(554, standard("transaction failed")),
            Map.entry(555, standard("mail from/rcpt to parameters not recognized or not implemented")));

    /**
     * Words that refuse rather than complain of syntax: a 500-504 that carries them ("501
     * Unauthorized domain", "500 Unauthorized relay msg rejected") is the server's refusal sent
     * with a syntax code, so the code's RFC 5321 meaning (a syntax or sequence error) does not hold.
     */
    private static final Pattern REFUSAL = Pattern.compile(
            "\\b(unauthori[sz]ed|not authori[sz]ed|refused|denied|rejected|not permitted|no permit|not allowed|prohibited|forbidden|relay(ing)?|blocked)\\b",
            Pattern.CASE_INSENSITIVE);

    private Rfc3463() {}

    private static Pattern standard(String words) {
        return Pattern.compile(words, Pattern.CASE_INSENSITIVE);
    }

    /** {@code text} without RFC 5321's own text for {@code code}: what vague rules read. */
    static String withoutStandardText(int code, String text) {
        Pattern p = STANDARD_TEXT.get(code);
        return p == null ? text : p.matcher(text).replaceAll(" ");
    }

    /**
     * The fallback for {@code status} (e.g. {@code 4.2.2}) in answer to {@code stage}; when its
     * subject says nothing ({@code x.0.*}, or no enhanced code at all) or cannot apply to that
     * command, the basic code's meaning there ({@link #byBasicCode}); otherwise {@code unknown}.
     */
    static Fallback categorize(String status, int code, Stage stage, String text) {
        Fallback f = bySubject(status, stage);
        if (f != null) return f;
        return byBasicCode(code, stage, status.charAt(0), text);
    }

    /**
     * RFC 5321 section 4.2 (and RFC 7504): what the basic code says, read at the command it
     * answered. 550 and 553 refuse the address that command named (the recipient at RCPT, our
     * sender at MAIL); after DATA, 552 is "exceeded storage allocation" and 550 refuses the
     * message itself (554, "transaction failed", says no more than that).
     */
    private static Fallback byBasicCode(int code, Stage stage, char cls, String text) {
        String rule = "rfc5321 " + code + (code >= 550 && code <= 554 ? " at " + stage.label() : "");
        if (code >= 500 && code <= 504 && REFUSAL.matcher(text).find()) {
            return new Fallback(Category.POLICY, rule + " refusing", "a refusal sent with a syntax code: refused under the receiver's own rules");
        }
        if ((code >= 500 && code <= 504) || code == 555) {
            return new Fallback(Category.PROTOCOL, rule, "a syntax or command-sequence error (RFC 5321)");
        }
        if (code == 551) return new Fallback(Category.BAD_MAILBOX, rule, "user not local (RFC 5321)");
        if (code == 521 || code == 556) return new Fallback(Category.BAD_DOMAIN, "rfc7504 " + code, "the host or domain accepts no mail (RFC 7504)");
        if (code == 421 || code == 451) {
            return new Fallback(Category.SERVER_BUSY, rule, code == 421 ? "service not available for now (RFC 5321)" : "a local error in processing (RFC 5321)");
        }
        if (stage == Stage.RCPT && (code == 550 || code == 553)) {
            return new Fallback(Category.BAD_MAILBOX, rule, "the recipient's mailbox is unavailable or its name not allowed (RFC 5321)");
        }
        if (stage == Stage.MAIL && (code == 550 || code == 553)) {
            return new Fallback(Category.POLICY, rule, "the receiver refused our envelope sender (RFC 5321)");
        }
        if (stage == Stage.DATA && code == 552) {
            return new Fallback(Category.MESSAGE_TOO_LARGE, rule, "the message exceeded the receiver's storage allocation (RFC 5321)");
        }
        if (stage == Stage.DATA && code == 550) {
            return new Fallback(Category.POLICY, rule, "the receiver refused the message (RFC 5321)");
        }
        return new Fallback(Category.UNKNOWN, "reply class " + cls + "xx", "no rule or status code says more");
    }

    /**
     * Whether {@code status} names a specific condition: a known subject and a detail other than
     * 0 ({@code x.y.0} is RFC 3463's "other or undefined" status of its subject) that implies
     * a category.
     */
    static boolean specific(String status, Stage stage) {
        Fallback f = bySubject(status, stage);
        return f != null && f.category() != Category.UNKNOWN && !status.endsWith(".0");
    }

    /** Whether a code of this subject and detail can be true of a reply to {@code stage}. */
    private static boolean canApply(int subject, int detail, Stage stage) {
        boolean transaction = stage == Stage.MAIL || stage == Stage.RCPT || stage == Stage.DATA;
        if (subject == 1) return transaction;
        if (subject == 5 && detail == 3) return stage == Stage.RCPT || stage == Stage.DATA;
        return true;
    }

    private static Fallback bySubject(String status, Stage stage) {
        String[] p = status.split("\\.");
        int subject = Integer.parseInt(p[1]);
        int detail = Integer.parseInt(p[2]);
        String rule = "rfc3463 x." + subject + "." + detail;
        String wild = "rfc3463 x." + subject + ".*";
        if (!canApply(subject, detail, stage)) return null;
        if (subject == 7 && stage == Stage.STARTTLS) {
            return new Fallback(Category.PROTOCOL, rule + " at starttls", "the receiver could not or would not start TLS");
        }
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
                if ((detail == 3 || detail == 5) && status.startsWith("4")) {
                    // the receiver's own directory server or congestion, not our way to it
                    return new Fallback(Category.SERVER_BUSY, rule, detail == 3 ? "the receiver's directory server failed" : "the receiving mail system is congested");
                }
                return new Fallback(Category.NETWORK, wild, "network or routing problem");
            case 5:
                if (detail == 3) return new Fallback(Category.TOO_MANY_RECIPIENTS, rule, "too many recipients");
                return new Fallback(Category.PROTOCOL, wild, "SMTP protocol problem");
            case 6:
                if (detail == 7) return new Fallback(Category.SMTPUTF8, rule, "non-ASCII addresses not permitted (RFC 6531)");
                return new Fallback(Category.PROTOCOL, wild, "message content or format not accepted");
            case 7:
                if (detail == 1) return new Fallback(Category.POLICY, rule, "delivery not authorized by the receiver's policy");
                if (detail == 8 || detail == 9 || (detail >= 20 && detail <= 26) || detail == 29) {
                    return new Fallback(Category.AUTH_FAILURE, rule, "sender authentication (SPF, DKIM, DMARC, ARC, reverse DNS) failed");
                }
                if (detail == 27) return new Fallback(Category.POLICY, rule, "the sender's domain has a null MX (RFC 7505)");
                if (detail == 28) return new Fallback(Category.RATE_LIMITED, rule, "mail flood detected: too much mail from us");
                if (detail == 4 || detail == 10 || detail == 11 || detail == 30) {
                    return new Fallback(Category.PROTOCOL, rule, "TLS or another security feature of the session is missing or not supported");
                }
                if (detail == 16) return new Fallback(Category.MESSAGE_TOO_LARGE, rule, "message too big for its priority (RFC 6710)");
                if (detail == 13 || detail == 17) return new Fallback(Category.BAD_MAILBOX, rule, detail == 13 ? "user account disabled" : "the mailbox has a new owner (RFC 7293)");
                if (detail == 18) return new Fallback(Category.BAD_DOMAIN, rule, "the domain has a new owner (RFC 7293)");
                return new Fallback(Category.POLICY, wild, "security or policy status");
            default:
                return null;
        }
    }
}
