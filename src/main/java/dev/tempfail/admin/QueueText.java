package dev.tempfail.admin;

import dev.tempfail.queue.QueueView;

import java.io.PrintWriter;

/** The human form of the queue views, in the spirit of Postfix's mailq. */
final class QueueText {
    private QueueText() {}

    static void print(QueueView.Listing listing, PrintWriter out) {
        if (listing.messages().isEmpty() && listing.throttled().isEmpty()) {
            out.println("Mail queue is empty");
            return;
        }
        out.printf("%-16s %9s  %-24s %s%n", "QUEUE ID", "SIZE", "ARRIVAL", "SENDER / RECIPIENTS");
        int recipients = 0;
        for (QueueView.Summary m : listing.messages()) {
            out.printf("%-16s %9d  %-24s %s%n", m.queueId(), m.size(), m.receivedAt(), sender(m.sender()));
            for (QueueView.Recipient r : m.recipients()) {
                out.printf("%53s%s%n", "", line(r));
                recipients++;
            }
        }
        out.printf("-- %d message(s) shown of %d, %d recipient(s)%n", listing.messages().size(), listing.total(), recipients);
        for (QueueView.Throttle t : listing.throttled()) {
            StringBuilder s = new StringBuilder("throttled: ").append(t.destination());
            if (t.pausedUntil() != null) s.append(", paused until ").append(t.pausedUntil());
            if (t.maxConnections() != null) s.append(", at most ").append(t.maxConnections()).append(" connection(s)");
            if (t.maxPerHour() != null) s.append(", at most ").append(t.maxPerHour()).append(" an hour");
            if (t.reason() != null) s.append(" (").append(t.reason()).append(')');
            out.println(s);
        }
    }

    static void print(QueueView.Message m, PrintWriter out) {
        out.println("queue id:  " + m.queueId());
        out.println("sender:    " + sender(m.sender()));
        out.println("size:      " + m.size());
        out.println("received:  " + m.receivedAt() + " from " + m.client()
                + (m.authUser() == null ? "" : " (authenticated as " + m.authUser() + ")"));
        if (m.envid() != null) out.println("envid:     " + m.envid());
        if (m.ret() != null) out.println("ret:       " + m.ret());
        for (QueueView.Recipient r : m.recipients()) out.println("recipient: " + line(r));
        for (QueueView.Event e : m.events()) out.println("event:     " + line(e));
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
            s.append(" (").append(r.lastReply().code()).append(' ').append(r.lastReply().text()).append(')');
        }
        if (r.nextAttemptAt() != null && !r.state().equals("queued")) s.append(", next ").append(r.nextAttemptAt());
        return s.toString();
    }
}
