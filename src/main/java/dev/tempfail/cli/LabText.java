package dev.tempfail.cli;

import dev.tempfail.admin.Timeline;
import dev.tempfail.lab.LabReport;
import dev.tempfail.lab.TimeScaledClock;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The human form of a {@code lab run} report: per recipient a timeline like {@code tempfail schedule} prints. */
final class LabText {
    private static final int REPLY_WIDTH = 72;

    private LabText() {}

    static void print(LabReport r, PrintWriter out) {
        out.println("tempfail lab run: " + r.script() + (r.description().isEmpty() ? "" : " (" + r.description() + ")"));
        out.println(r.messages() + " message(s), time scale " + TimeScaledClock.format(r.timeScale()) + "x, lab clock from "
                + r.started() + ", lifetime " + Timeline.span(r.lifetimeS())
                + ", delay warning " + (r.delayWarningS() == null ? "off" : Timeline.span(r.delayWarningS())));
        for (LabReport.Recipient rc : r.recipients()) {
            out.println();
            int n = rc.attempts().size();
            String when = n == 0 ? "" : ", at " + rc.attempts().get(n - 1).at();
            out.println(rc.address() + "  " + rc.outcome() + (rc.status() == null || rc.outcome().equals("pending") ? "" : " " + rc.status())
                    + " after " + n + " attempt" + (n == 1 ? "" : "s") + when + "  (queue id " + rc.queueId() + ", arrived +" + Timeline.span(rc.arrivedS()) + ")");
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"#", "at", "stage", "verdict", "then", "reply"});
            for (LabReport.Attempt a : rc.attempts()) {
                String then = a.retryInS() == null ? a.state()
                        : a.retryInS() == 0 ? "retry at once" : "retry in " + Timeline.span(a.retryInS());
                rows.add(new String[] {Integer.toString(a.attempt()), a.at(), a.stage() == null ? "" : a.stage(),
                        a.verdict() + (a.category() == null ? "" : " " + a.category()) + (a.status() == null ? "" : " " + a.status()),
                        then, clip(a.reply())});
            }
            table(rows, out);
        }
        out.println();
        if (r.dsns().isEmpty()) {
            out.println("DSNs received by the sender: none");
        } else {
            out.println("DSNs received by the sender:");
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"at", "action", "status", "recipient", "subject"});
            for (LabReport.Dsn d : r.dsns()) {
                rows.add(new String[] {"+" + Timeline.span(d.atS()), d.action() == null ? "(not a DSN)" : d.action(),
                        d.status() == null ? "" : d.status(), d.finalRecipient() == null ? "" : d.finalRecipient(),
                        d.subject() == null ? "" : d.subject()});
            }
            table(rows, out);
        }
        LabReport.Totals t = r.totals();
        out.println();
        out.println("totals: " + t.delivered() + " delivered, " + t.failed() + " failed, " + t.expired() + " expired"
                + (t.pending() > 0 ? ", " + t.pending() + " pending" : "") + "; " + t.attempts() + " attempts"
                + (t.attemptsPerDelivery() == null ? "" : ", " + t.attemptsPerDelivery() + " per delivery"));
        out.println(String.format(Locale.ROOT, "took %.1f s of real time for %s on the lab clock (%sx)",
                r.elapsed().realS(), Timeline.span(r.elapsed().scaledS()), TimeScaledClock.format(r.timeScale())));
        for (String p : r.problems()) out.println("problem: " + p);
    }

    private static void table(List<String[]> rows, PrintWriter out) {
        int cols = rows.get(0).length;
        int[] width = new int[cols];
        for (String[] row : rows) for (int i = 0; i < cols; i++) width[i] = Math.max(width[i], row[i].length());
        for (String[] row : rows) {
            StringBuilder b = new StringBuilder("  ");
            for (int i = 0; i < cols; i++) {
                String cell = row[i];
                if (i == 0) b.append(" ".repeat(width[i] - cell.length())).append(cell);
                else if (i == cols - 1) b.append(cell);
                else b.append(cell).append(" ".repeat(width[i] - cell.length()));
                if (i < cols - 1) b.append("  ");
            }
            out.println(b.toString().stripTrailing());
        }
    }

    private static String clip(String reply) {
        if (reply == null) return "";
        String one = reply.replace('\n', ' ');
        return one.length() <= REPLY_WIDTH ? one : one.substring(0, REPLY_WIDTH - 3) + "...";
    }
}
