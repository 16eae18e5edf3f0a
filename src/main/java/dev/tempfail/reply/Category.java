package dev.tempfail.reply;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Why a delivery attempt did not succeed, as shown in logs, JSON and DSNs (lowercase), each with
 * what it means in plain words.
 *
 * <p>A category never decides whether a reply is transient or permanent (the basic code does),
 * but it must fit that outcome: {@code greylisted} and {@code server_busy} say "it will pass
 * later", so a permanent reply never gets them ({@link #fits}): rules that give them are
 * skipped for permanent replies. Every other category fits both.
 */
public enum Category {
    GREYLISTED(true, "the receiving server asked us to try again later (greylisting), as it does with "
            + "senders it has not seen before"),
    RATE_LIMITED(false, "the receiving server is limiting how much mail it takes from us (or from anyone, "
            + "for this recipient) at the moment"),
    SERVER_BUSY(true, "the receiving server was busy or had a temporary problem of its own"),
    MAILBOX_FULL(false, "the recipient's mailbox is full"),
    BAD_MAILBOX(false, "the address does not exist at the receiving server"),
    BAD_DOMAIN(false, "the recipient's domain does not exist or accepts no mail"),
    REPUTATION(false, "the receiving server distrusts the IP address we send from, or a domain named in "
            + "your message (a blocklist)"),
    AUTH_FAILURE(false, "the receiving server could not verify that the message really comes from your "
            + "domain (its SPF, DKIM or DMARC checks, or our reverse DNS, failed)"),
    POLICY(false, "the receiving server refused the message, or its sender, under its own rules (content, "
            + "spam filter, or the recipient's own choice)"),
    RELAY_DENIED(false, "the receiving server does not accept mail for this address from us (it is not "
            + "the domain's mail server, or relays only for users who log in)"),
    MESSAGE_TOO_LARGE(false, "the message is larger than the receiving server accepts"),
    TOO_MANY_RECIPIENTS(false, "the receiving server would not take this many recipients in one message"),
    PROTOCOL(false, "the conversation with the receiving server went wrong (it said that our commands or "
            + "the message's format broke the SMTP rules, or answered something we did not expect)"),
    LOOP(false, "the message went round in a mail loop between servers (too many hops, or a server "
            + "that sends it back to itself)"),
    NETWORK(false, "we could not reach the receiving server, or the connection broke"),
    MTA_STS(true, "the recipient's domain publishes an MTA-STS policy (RFC 8461) that allows delivery only to "
            + "its listed mail servers over verified TLS, and none of them could be reached that way"),
    SMTPUTF8(false, "the message has an internationalised (non-ASCII) address or header field, and the receiving "
            + "server does not take those: it does not offer SMTPUTF8 (RFC 6531), or refused the address"),
    UNKNOWN(false, "the receiving server did not accept it");

    private final boolean transientOnly;
    private final String meaning;

    Category(boolean transientOnly, String meaning) {
        this.transientOnly = transientOnly;
        this.meaning = meaning;
    }

    /** What the category means, as a clause that reads after "because": "the recipient's mailbox is full". */
    public String meaning() {
        return meaning;
    }

    /** Whether a reply with this outcome may get this category: a permanent one never gets "try later" ones. */
    public boolean fits(Outcome outcome) {
        return outcome != Outcome.PERMANENT || !transientOnly;
    }

    /** Whether only temporary replies may get this category. */
    public boolean transientOnly() {
        return transientOnly;
    }

    /** {@code rate_limited}: the name as written in config, logs, JSON and DSNs. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The category with this label; the exception's message lists the valid ones. */
    public static Category parse(String label) {
        for (Category c : values()) {
            if (c.label().equals(label.trim().toLowerCase(Locale.ROOT))) return c;
        }
        throw new IllegalArgumentException("unknown category '" + label + "' (known: " + labels() + ")");
    }

    static String labels() {
        return Arrays.stream(values()).map(Category::label).collect(Collectors.joining(", "));
    }

    @Override
    public String toString() {
        return label();
    }
}
