package dev.tempfail.dsn;

import dev.tempfail.reply.Category;

/**
 * What a reply category means to the person who sent the mail, and what they can do about it.
 * The switches name every {@link Category}, so a new category does not compile until it has
 * its words here.
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
        return switch (c) {
            case GREYLISTED -> "the receiving server asked us to try again later (greylisting), as it does with "
                    + "senders it has not seen before";
            case RATE_LIMITED -> "the receiving server is limiting how much mail it takes from us at the moment";
            case SERVER_BUSY -> "the receiving server was busy or had a temporary problem of its own";
            case MAILBOX_FULL -> "the recipient's mailbox is full";
            case BAD_MAILBOX -> "the address does not exist at the receiving server";
            case BAD_DOMAIN -> "the recipient's domain does not exist or accepts no mail";
            case AUTH_FAILURE -> "the receiving server could not verify that the message really comes from your "
                    + "domain (its SPF, DKIM or DMARC checks failed)";
            case REPUTATION -> "the receiving server distrusts the IP address we send from, or a domain named in "
                    + "your message (a blocklist)";
            case POLICY -> "the receiving server refused the message under its own rules";
            case RELAY_DENIED -> "the receiving server does not accept mail for this address from us";
            case MESSAGE_TOO_LARGE -> "the message is larger than the receiving server accepts";
            case TOO_MANY_RECIPIENTS -> "the receiving server would not take this many recipients in one message";
            case PROTOCOL -> "the conversation with the receiving server went wrong (it answered something we "
                    + "did not expect)";
            case NETWORK -> "we could not reach the receiving server, or the connection broke";
            case LOOP -> "it was going round in circles between mail servers (a mail loop): it came back to a "
                    + "server it had already passed through, or passed through too many";
            case UNKNOWN -> "the receiving server did not accept it";
        };
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
            case NETWORK -> "The recipient's mail servers may be down or misconfigured; you can try again later "
                    + "or reach the recipient another way.";
            case LOOP -> "This is a configuration problem between the mail servers (one forwards the mail back "
                    + "to another); please forward this report to the administrator of this mail system.";
            case UNKNOWN -> "The server's reply below may say more.";
        };
    }
}
