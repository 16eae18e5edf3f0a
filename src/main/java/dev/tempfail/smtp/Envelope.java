package dev.tempfail.smtp;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * What goes on the MAIL and RCPT commands of one transaction: the sender ({@code ""} for the
 * null sender {@code <>}), the recipients for this destination in order, and the ESMTP
 * parameters the message carries. Optional values are {@code null} where absent, as in the queue.
 *
 * <p>DSN values (RFC 3461) are given decoded; the client xtext-encodes {@code envid} and the
 * address part of each {@code orcpt}, and sends them, with {@code ret} and each recipient's
 * {@code notifyOn}, only to a server that advertises DSN.
 *
 * @param sender       envelope sender without angle brackets; {@code ""} is the null sender
 * @param recipients   at least one
 * @param ret          {@code FULL} or {@code HDRS}, or null
 * @param envid        the envelope id, decoded, or null
 * @param eightBitMime the body is 8-bit MIME: send {@code BODY=8BITMIME} where advertised
 * @param size         the message size in bytes for {@code SIZE=}; 0 = unknown (then the length
 *                     of byte[] content is used)
 * @param smtputf8     the message needs SMTPUTF8 (RFC 6531: UTF-8 addresses or header fields): sent
 *                     with {@code SMTPUTF8} on MAIL FROM, and only to a server that offers it
 */
public record Envelope(String sender, List<Recipient> recipients, String ret, String envid,
                       boolean eightBitMime, long size, boolean smtputf8) {

    /** An envelope of a message that needs no SMTPUTF8. */
    public Envelope(String sender, List<Recipient> recipients, String ret, String envid, boolean eightBitMime, long size) {
        this(sender, recipients, ret, envid, eightBitMime, size, false);
    }

    /**
     * One recipient with its RFC 3461 parameters.
     *
     * @param address the mailbox, without angle brackets
     * @param notifyOn the NOTIFY value: {@code NEVER} or a comma list of {@code SUCCESS}, {@code FAILURE}, {@code DELAY}; or null
     * @param orcpt   the original recipient, decoded, as {@code type;address} (e.g. {@code rfc822;a@b.example});
     *                or null
     */
    public record Recipient(String address, String notifyOn, String orcpt) {
        public Recipient {
            checkText("recipient address", Objects.requireNonNull(address, "address"));
            if (address.isEmpty()) throw new IllegalArgumentException("empty recipient address");
            if (notifyOn != null) {
                notifyOn = notifyOn.toUpperCase(Locale.ROOT);
                if (!notifyOn.matches("NEVER|(SUCCESS|FAILURE|DELAY)(,(SUCCESS|FAILURE|DELAY))*")) {
                    throw new IllegalArgumentException("bad NOTIFY value: " + notifyOn);
                }
            }
            if (orcpt != null) {
                checkText("ORCPT", orcpt);
                int semi = orcpt.indexOf(';');
                if (semi <= 0 || !orcpt.substring(0, semi).matches("[A-Za-z0-9-]+")) {
                    throw new IllegalArgumentException("ORCPT must be type;address, got " + orcpt);
                }
            }
        }

        public static Recipient of(String address) {
            return new Recipient(address, null, null);
        }
    }

    public Envelope {
        checkText("sender", Objects.requireNonNull(sender, "sender"));
        recipients = List.copyOf(recipients);
        if (recipients.isEmpty()) throw new IllegalArgumentException("an envelope needs at least one recipient");
        if (ret != null) {
            ret = ret.toUpperCase(Locale.ROOT);
            if (!ret.equals("FULL") && !ret.equals("HDRS")) throw new IllegalArgumentException("RET must be FULL or HDRS");
        }
        if (envid != null) checkText("ENVID", envid);
        if (size < 0) throw new IllegalArgumentException("negative size");
    }

    /** A plain envelope: no DSN parameters, 7-bit, size unknown. */
    public static Envelope of(String sender, String... recipients) {
        return new Envelope(sender, Arrays.stream(recipients).map(Recipient::of).toList(), null, null, false, 0);
    }

    /** Control characters would let a value end the command line and start another. */
    private static void checkText(String what, String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f) throw new IllegalArgumentException(what + " contains a control character");
        }
    }
}
