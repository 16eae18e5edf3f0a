package dev.tempfail.cli;

import dev.tempfail.admin.Timeline;
import dev.tempfail.lab.LabReport;
import dev.tempfail.lab.TimeScaledClock;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The {@code lab run --html} page: one self-contained HTML file (inline CSS and SVG, no
 * script, nothing fetched) with the retry curve drawn by {@link Timeline}, totals, every
 * attempt and the DSNs received.
 */
final class LabHtml {

    private LabHtml() {}

    static String render(LabReport r) {
        StringBuilder h = new StringBuilder(16_384);
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>tempfail lab run: ")
                .append(Timeline.esc(r.script())).append("</title>\n<style>\n")
                .append("body{font:14px/1.4 system-ui,-apple-system,'Segoe UI',sans-serif;margin:24px;color:#1d2330;background:#fff}\n")
                .append("h1{font-size:20px;margin:0 0 4px}p.sub{color:#555;margin:0 0 16px}\n")
                .append(".totals span{display:inline-block;margin-right:18px;font-weight:600}\n")
                .append("svg{display:block;margin:12px 0 8px;max-width:100%;height:auto}\n")
                .append("table{border-collapse:collapse;margin:6px 0 14px}td,th{padding:2px 10px 2px 0;text-align:left;vertical-align:top}\n")
                .append("th{color:#555;font-weight:600}td.r{font-family:ui-monospace,monospace;font-size:12px}\n")
                .append("details{margin:4px 0}summary{cursor:pointer}.legend span{margin-right:16px}\n")
                .append(".dot{display:inline-block;width:10px;height:10px;border-radius:50%;margin-right:4px;vertical-align:middle}\n")
                .append(".problem{color:#b00020;font-weight:600}\n</style></head><body>\n");
        h.append("<h1>tempfail lab run: ").append(Timeline.esc(r.script())).append("</h1>\n<p class=\"sub\">")
                .append(Timeline.esc(r.description())).append(" &middot; ").append(r.messages()).append(" message(s) &middot; time scale ")
                .append(TimeScaledClock.format(r.timeScale())).append("x &middot; lab clock from ").append(Timeline.esc(r.started()))
                .append(" &middot; lifetime ").append(Timeline.span(r.lifetimeS())).append("</p>\n");
        LabReport.Totals t = r.totals();
        h.append("<p class=\"totals\"><span style=\"color:#1b7f3b\">").append(t.delivered()).append(" delivered</span>")
                .append("<span style=\"color:#c62828\">").append(t.failed()).append(" failed</span>")
                .append("<span style=\"color:#6a1b9a\">").append(t.expired()).append(" expired</span>");
        if (t.pending() > 0) h.append("<span style=\"color:#555\">").append(t.pending()).append(" pending</span>");
        h.append("<span>").append(t.attempts()).append(" attempts")
                .append(t.attemptsPerDelivery() == null ? "" : " (" + t.attemptsPerDelivery() + " per delivery)").append("</span>")
                .append("<span style=\"font-weight:400;color:#555\">").append(String.format(Locale.ROOT, "%.1f s real for %s scaled",
                        r.elapsed().realS(), Timeline.span(r.elapsed().scaledS()))).append("</span></p>\n");
        for (String p : r.problems()) h.append("<p class=\"problem\">problem: ").append(Timeline.esc(p)).append("</p>\n");
        h.append("<p class=\"legend\">")
                .append(legend(Timeline.DELIVERED, "delivered")).append(legend(Timeline.DEFERRED, "deferred (temporary failure)"))
                .append(legend(Timeline.FAILED, "failed (permanent)")).append(legend(Timeline.EXPIRED, "expired (lifetime over)"))
                .append(legend(Timeline.REPORT, "DSN received")).append("</p>\n");
        chart(h, r);
        h.append("<h2 style=\"font-size:16px\">Attempts</h2>\n");
        for (LabReport.Recipient rc : r.recipients()) {
            h.append("<details><summary>").append(Timeline.esc(rc.address())).append(" &mdash; ").append(Timeline.esc(rc.outcome()))
                    .append(rc.status() == null ? "" : " " + Timeline.esc(rc.status())).append(", ").append(rc.attempts().size())
                    .append(" attempt(s)</summary>\n<table><tr><th>#</th><th>at</th><th>stage</th><th>verdict</th><th>then</th><th>reply</th></tr>\n");
            for (LabReport.Attempt a : rc.attempts()) {
                h.append("<tr><td>").append(a.attempt()).append("</td><td>").append(Timeline.esc(a.at())).append("</td><td>")
                        .append(Timeline.esc(nz(a.stage()))).append("</td><td>").append(Timeline.esc(a.verdict() + (a.category() == null ? "" : " " + a.category())
                                + (a.status() == null ? "" : " " + a.status()))).append("</td><td>")
                        .append(Timeline.esc(a.retryInS() == null ? a.state() : "retry in " + Timeline.span(a.retryInS()))).append("</td><td class=\"r\">")
                        .append(Timeline.esc(nz(a.reply()))).append("</td></tr>\n");
            }
            h.append("</table></details>\n");
        }
        if (!r.dsns().isEmpty()) {
            h.append("<h2 style=\"font-size:16px\">DSNs received by the sender</h2>\n<table><tr><th>at</th><th>action</th><th>status</th><th>recipient</th><th>subject</th></tr>\n");
            for (LabReport.Dsn d : r.dsns()) {
                h.append("<tr><td>+").append(Timeline.span(d.atS())).append("</td><td>").append(Timeline.esc(nz(d.action()))).append("</td><td>")
                        .append(Timeline.esc(nz(d.status()))).append("</td><td>").append(Timeline.esc(nz(d.finalRecipient()))).append("</td><td>")
                        .append(Timeline.esc(nz(d.subject()))).append("</td></tr>\n");
            }
            h.append("</table>\n");
        }
        h.append("</body></html>\n");
        return h.toString();
    }

    /** The lab run drawn with the one timeline: times are scaled seconds since the run began. */
    private static void chart(StringBuilder h, LabReport r) {
        List<Timeline.Row> rows = new ArrayList<>();
        for (LabReport.Recipient rc : r.recipients()) {
            List<Timeline.Mark> marks = new ArrayList<>();
            for (LabReport.Attempt a : rc.attempts()) {
                marks.add(new Timeline.Mark(rc.arrivedS() + a.atS(), a.state(),
                        "#" + a.attempt() + " " + a.at() + ": " + nz(a.reply()) + " \u2192 " + a.state()));
            }
            rows.add(new Timeline.Row(rc.address(), rc.arrivedS(), rc.arrivedS() + r.lifetimeS(), marks));
        }
        List<Timeline.Mark> dsns = r.dsns().stream().map(d -> new Timeline.Mark(d.atS(), "report",
                nz(d.action()) + " " + nz(d.status()) + " " + nz(d.finalRecipient()))).toList();
        h.append(Timeline.svg(rows, "DSNs to the sender", dsns, r.elapsed().scaledS(), "scaled time since the run began"));
    }

    private static String legend(String color, String label) {
        return "<span><i class=\"dot\" style=\"background:" + color + "\"></i>" + label + "</span>";
    }




    private static String nz(String s) {
        return s == null ? "" : s;
    }
}
