package dev.tempfail.dsn;

import dev.tempfail.reply.Category;

/**
 * What a reply category means to the person who sent the mail, and what they can do about it.
 * What it means is the category's own {@link Category#meaning}; the advice switch names every
 * category, so a new category does not compile until it has its words here.
 */
final class Reasons {
    private Reasons() {}

    /** The category with this label; UNKNOWN for null or a label we do not know. */
    static Category category(String label) {
        if (label == null) return Category.UNKNOWN;
        try {
            return Category.parse(label);
        } catch (IllegalArgumentException e) {
            return Category.UNKNOWN;
        }
    }

    /** Why it did not work, as a clause that reads after "because": "the recipient's mailbox is full". */
    static String because(Category c) {
        return c.meaning();
    }

    /** What the sender can do once we have given up. */
    static String advice(Category c) {
        return switch (c) {
            case GREYLISTED -> "Servers usually accept mail after such a wait; if this one never did, its "
                    + "postmaster can tell why.";
            case RATE_LIMITED -> "You can send it again later; if this happens often, send fewer messages to "
                    + "this domain at a time.";
            case SERVER_BUSY -> "Nothing is wrong with your message: you can send it again later.";
            case MAILBOX_FULL -> "The recipient needs to make room in it. Let them know some other way, then "
                    + "send your message again.";
            case BAD_MAILBOX -> "Please check the address for typos, or ask the recipient for their current one.";
            case BAD_DOMAIN -> "Please check the part after the @ for typos.";
            case AUTH_FAILURE -> "Whoever runs your domain needs to fix its SPF, DKIM or DMARC records (or the "
                    + "signing of outgoing mail) so that mail sent through this server passes them.";
            case REPUTATION -> "Please forward this report to the administrator of this mail system: the "
                    + "reply usually names the list, and how to ask to be removed from it.";
            case POLICY -> "The server's reply below may say which rule; you may need to change the message or "
                    + "reach the recipient another way.";
            case RELAY_DENIED -> "The recipient's domain may have moved its mail elsewhere; the administrator of "
                    + "this mail system can check where it should go.";
            case MESSAGE_TOO_LARGE -> "Send it again with smaller attachments, or share large files as a link.";
            case TOO_MANY_RECIPIENTS -> "Send it again to fewer recipients at a time.";
            case PROTOCOL -> "This is a problem between the mail servers, not with your message; the "
                    + "administrator of this mail system can look into it.";
            case LOOP -> "The recipient's mail servers (or a forwarding of the address) send the message "
                    + "round in a circle; their administrator needs to fix the forwarding or the MX records.";
            case NETWORK -> "The recipient's mail servers may be down or misconfigured; you can try again later "
                    + "or reach the recipient another way.";
            case MTA_STS -> "Nothing is wrong with your message: the recipient's administrator needs to fix the "
                    + "domain's MTA-STS policy or the certificates of its mail servers.";
            case UNKNOWN -> "The server's reply below may say more.";
        };
    }
}
