package dev.tempfail.cli;

import dev.tempfail.queue.QueueView;

import java.io.PrintWriter;

/** The human form of the queue views, in the spirit of Postfix's mailq and postcat. */
final class QueueText {
    private QueueText() {}

    static void print(QueueView.Listing listing, PrintWriter out) {
        if (listing.messages().isEmpty() && listing.throttled().isEmpty()) {
            out.println(listing.total() == 0 ? "Mail queue is empty" : "-- 0 message(s) shown of " + listing.total());
            return;
        }
        out.printf("%-16s %9s  %-24s %s%n", "QUEUE ID", "SIZE", "ARRIVAL", "SENDER / RECIPIENTS");
        int recipients = 0;
        for (QueueView.Summary m : listing.messages()) {
            out.printf("%-16s %9d  %-24s %s%s%n", m.queueId(), m.size(), m.receivedAt(), sender(m.sender()),
                    m.finishedAt() == null ? "" : "  (finished " + m.finishedAt() + ")");
            for (QueueView.Recipient r : m.recipients()) {
                out.printf("%53s%s%n", "", line(r));
                recipients++;
            }
        }
        out.printf("-- %d message(s) shown of %d, %d recipient(s)%n", listing.messages().size(), listing.total(), recipients);
        for (QueueView.Throttle t : listing.throttled()) out.println("throttled: " + line(t));
    }

    static void print(QueueView.Message m, PrintWriter out) {
        out.println("queue id:  " + m.queueId() + (m.finishedAt() == null ? "" : "  (finished " + m.finishedAt() + ")"));
        out.println("sender:    " + sender(m.sender()));
        if (m.subject() != null) out.println("subject:   " + m.subject());
        out.println("size:      " + m.size() + (m.bodyKept() ? "" : " (body no longer kept)"));
        out.println("received:  " + m.receivedAt() + " from " + m.client()
                + (m.authUser() == null ? "" : " (authenticated as " + m.authUser() + ")"));
        if (m.envid() != null) out.println("envid:     " + m.envid());
        if (m.ret() != null) out.println("ret:       " + m.ret());
        if (m.delayWarningAt() != null) out.println("delay DSN: due " + m.delayWarningAt());
        out.println("expires:   " + m.expiresAt());
        for (QueueView.Recipient r : m.recipients()) {
            out.println("recipient: " + line(r));
            if (r.delayNotifiedAt() != null) out.println("           sender told of the delay at " + r.delayNotifiedAt());
            int n = 0;
            for (QueueView.Try t : r.tries()) {
                StringBuilder s = new StringBuilder("  #").append(++n).append(' ').append(t.at()).append(' ');
                if (t.host() != null) s.append(t.host()).append('[').append(t.ip()).append("] ");
                if (t.stage() != null) s.append("at ").append(t.stage()).append(": ");
                s.append(t.verdict());
                if (t.category() != null) s.append(' ').append(t.category());
                if (t.status() != null) s.append(' ').append(t.status());
                if (t.tls() != null) s.append(", ").append(Boolean.TRUE.equals(t.tlsVerified()) ? "verified" : "untrusted")
                        .append(' ').append(t.tls());
                out.println(s);
                out.println("      reply: " + (t.code() == null ? "" : t.code() + " ") + (t.reply() == null ? "" : t.reply().replace("\n", "\n             ")));
                if (t.waitS() != null) {
                    out.println("      then:  retry in " + dev.tempfail.config.Durations.compact(java.time.Duration.ofSeconds(t.waitS()))
                            + " (at " + t.nextAttemptAt() + ")" + (t.why() == null ? "" : ": " + t.why()));
                }
            }
        }
        for (QueueView.Event e : m.events()) out.println("event:     " + line(e));
        for (QueueView.Action a : m.actions()) {
            out.println("operator:  " + a.at() + " " + a.action() + " (" + a.recipients() + " recipient(s)) by " + a.origin());
        }
    }

    static void print(QueueView.ActionResult r, PrintWriter out) {
        out.println(r.action() + ": " + r.recipients() + " recipient(s) of " + r.messages().size() + " message(s)"
                + (r.messages().isEmpty() ? "" : " " + String.join(" ", r.messages()))
                + (r.busy() > 0 ? "; " + r.busy() + " being tried right now left alone" : "")
                + (r.note() == null ? "" : "; " + r.note()));
    }

    static String line(QueueView.Throttle t) {
        StringBuilder s = new StringBuilder(t.destination());
        if (t.pausedUntil() != null) s.append(", paused until ").append(t.pausedUntil());
        if (t.maxConnections() != null) s.append(", at most ").append(t.maxConnections()).append(" connection(s)");
        if (t.maxPerHour() != null) s.append(", at most ").append(t.maxPerHour()).append(" an hour");
        if (t.reason() != null) s.append(" (").append(t.reason()).append(')');
        return s.toString();
    }

    /** {@code deferred <r@example.com> at … sent} or {@code … pending, 2 tries, next … (HTTP 500)}. */
    private static String line(QueueView.Event e) {
        StringBuilder s = new StringBuilder(e.kind()).append(" <").append(e.recipient()).append("> at ").append(e.at())
                .append("  ").append(e.state());
        if (e.state().equals("pending") && e.tries() > 0) {
            s.append(", ").append(e.tries()).append(" tries, next ").append(e.nextTryAt());
            if (e.lastError() != null) s.append(" (").append(e.lastError()).append(')');
        }
        return s.toString();
    }

    private static String sender(String sender) {
        return sender.isEmpty() ? "<>" : sender;
    }

    private static String line(QueueView.Recipient r) {
        StringBuilder s = new StringBuilder(r.address()).append("  ").append(r.state());
        if (r.attempts() > 0) s.append(", ").append(r.attempts()).append(" attempt(s)");
        if (r.lastReply() != null) {
            s.append(" (").append(r.lastReply().code() == null ? "" : r.lastReply().code() + " ").append(r.lastReply().text()).append(')');
        }
        if (r.nextAttemptAt() != null && !r.state().equals("queued")) s.append(", next ").append(r.nextAttemptAt());
        return s.toString();
    }
}
