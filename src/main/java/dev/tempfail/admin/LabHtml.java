package dev.tempfail.admin;

import dev.tempfail.lab.LabReport;

import java.util.List;
import java.util.Locale;

/**
 * The {@code lab run --html} page: one self-contained HTML file (inline CSS and SVG, no
 * script, nothing fetched) with the retry curve drawn: one row per recipient, a mark per
 * attempt coloured by what came of it, the recipient's life in the queue as a line, and its
 * lifetime as a dashed line to where it ends (or an arrow when that is off the chart).
 */
final class LabHtml {
    private static final int LEFT = 210;
    private static final int RIGHT = 40;
    private static final int WIDTH = 1100;
    private static final int ROW = 22;
    private static final int TOP = 40;

    private LabHtml() {}

    static String render(LabReport r) {
        long end = Math.max(60, r.elapsed().scaledS());
        for (LabReport.Recipient rc : r.recipients()) {
            for (LabReport.Attempt a : rc.attempts()) end = Math.max(end, rc.arrivedS() + a.atS());
        }
        end = niceEnd(Math.round(end * 1.04));
        StringBuilder h = new StringBuilder(16_384);
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>tempfail lab run: ")
                .append(esc(r.script())).append("</title>\n<style>\n")
                .append("body{font:14px/1.4 system-ui,-apple-system,'Segoe UI',sans-serif;margin:24px;color:#1d2330;background:#fff}\n")
                .append("h1{font-size:20px;margin:0 0 4px}p.sub{color:#555;margin:0 0 16px}\n")
                .append(".totals span{display:inline-block;margin-right:18px;font-weight:600}\n")
                .append("svg{display:block;margin:12px 0 8px;max-width:100%;height:auto}\n")
                .append("table{border-collapse:collapse;margin:6px 0 14px}td,th{padding:2px 10px 2px 0;text-align:left;vertical-align:top}\n")
                .append("th{color:#555;font-weight:600}td.r{font-family:ui-monospace,monospace;font-size:12px}\n")
                .append("details{margin:4px 0}summary{cursor:pointer}.legend span{margin-right:16px}\n")
                .append(".dot{display:inline-block;width:10px;height:10px;border-radius:50%;margin-right:4px;vertical-align:middle}\n")
                .append(".problem{color:#b00020;font-weight:600}\n</style></head><body>\n");
        h.append("<h1>tempfail lab run: ").append(esc(r.script())).append("</h1>\n<p class=\"sub\">")
                .append(esc(r.description())).append(" &middot; ").append(r.messages()).append(" message(s) &middot; time scale ")
                .append(LabText.scale(r.timeScale())).append("x &middot; lab clock from ").append(esc(r.started()))
                .append(" &middot; lifetime ").append(LabText.span(r.lifetimeS())).append("</p>\n");
        LabReport.Totals t = r.totals();
        h.append("<p class=\"totals\"><span style=\"color:#1b7f3b\">").append(t.delivered()).append(" delivered</span>")
                .append("<span style=\"color:#c62828\">").append(t.failed()).append(" failed</span>")
                .append("<span style=\"color:#6a1b9a\">").append(t.expired()).append(" expired</span>");
        if (t.pending() > 0) h.append("<span style=\"color:#555\">").append(t.pending()).append(" pending</span>");
        h.append("<span>").append(t.attempts()).append(" attempts")
                .append(t.attemptsPerDelivery() == null ? "" : " (" + t.attemptsPerDelivery() + " per delivery)").append("</span>")
                .append("<span style=\"font-weight:400;color:#555\">").append(String.format(Locale.ROOT, "%.1f s real for %s scaled",
                        r.elapsed().realS(), LabText.span(r.elapsed().scaledS()))).append("</span></p>\n");
        for (String p : r.problems()) h.append("<p class=\"problem\">problem: ").append(esc(p)).append("</p>\n");
        h.append("<p class=\"legend\">")
                .append(legend("#1b7f3b", "delivered")).append(legend("#ef8a00", "deferred (temporary failure)"))
                .append(legend("#c62828", "failed (permanent)")).append(legend("#6a1b9a", "expired (lifetime over)"))
                .append(legend("#1565c0", "DSN received")).append("</p>\n");
        chart(h, r, end);
        h.append("<h2 style=\"font-size:16px\">Attempts</h2>\n");
        for (LabReport.Recipient rc : r.recipients()) {
            h.append("<details><summary>").append(esc(rc.address())).append(" &mdash; ").append(esc(rc.outcome()))
                    .append(rc.status() == null ? "" : " " + esc(rc.status())).append(", ").append(rc.attempts().size())
                    .append(" attempt(s)</summary>\n<table><tr><th>#</th><th>at</th><th>stage</th><th>verdict</th><th>then</th><th>reply</th></tr>\n");
            for (LabReport.Attempt a : rc.attempts()) {
                h.append("<tr><td>").append(a.attempt()).append("</td><td>").append(esc(a.at())).append("</td><td>")
                        .append(esc(nz(a.stage()))).append("</td><td>").append(esc(a.verdict() + (a.category() == null ? "" : " " + a.category())
                                + (a.status() == null ? "" : " " + a.status()))).append("</td><td>")
                        .append(esc(a.retryInS() == null ? a.state() : "retry in " + LabText.span(a.retryInS()))).append("</td><td class=\"r\">")
                        .append(esc(nz(a.reply()))).append("</td></tr>\n");
            }
            h.append("</table></details>\n");
        }
        if (!r.dsns().isEmpty()) {
            h.append("<h2 style=\"font-size:16px\">DSNs received by the sender</h2>\n<table><tr><th>at</th><th>action</th><th>status</th><th>recipient</th><th>subject</th></tr>\n");
            for (LabReport.Dsn d : r.dsns()) {
                h.append("<tr><td>+").append(LabText.span(d.atS())).append("</td><td>").append(esc(nz(d.action()))).append("</td><td>")
                        .append(esc(nz(d.status()))).append("</td><td>").append(esc(nz(d.finalRecipient()))).append("</td><td>")
                        .append(esc(nz(d.subject()))).append("</td></tr>\n");
            }
            h.append("</table>\n");
        }
        h.append("</body></html>\n");
        return h.toString();
    }

    private static void chart(StringBuilder h, LabReport r, long end) {
        List<LabReport.Recipient> rows = r.recipients();
        boolean dsnRow = !r.dsns().isEmpty();
        int n = rows.size() + (dsnRow ? 1 : 0);
        int height = TOP + n * ROW + 30;
        double plot = WIDTH - LEFT - RIGHT;
        h.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(WIDTH).append("\" height=\"").append(height)
                .append("\" viewBox=\"0 0 ").append(WIDTH).append(' ').append(height)
                .append("\" font-family=\"system-ui,sans-serif\" font-size=\"12\" role=\"img\" aria-label=\"retry timeline\">\n");
        long tick = tick(end);
        for (long s = 0; s <= end; s += tick) {
            double x = LEFT + plot * s / end;
            h.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#e3e6ea\"/>", x, TOP - 8, x, TOP + n * ROW));
            h.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#555\">+%s</text>\n", x, TOP - 14,
                    LabText.span(s)));
        }
        h.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" fill=\"#555\">scaled time since the run began</text>\n",
                LEFT, TOP + n * ROW + 22));
        for (int i = 0; i < rows.size(); i++) {
            LabReport.Recipient rc = rows.get(i);
            int y = TOP + i * ROW + ROW / 2;
            if (i % 2 == 1) h.append(String.format(Locale.ROOT, "<rect x=\"0\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#f6f7f9\"/>", y - ROW / 2, WIDTH, ROW));
            h.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>", LEFT - 10, y + 4, esc(clip(rc.address(), 28))));
            double x0 = LEFT + plot * rc.arrivedS() / end;
            long lifeEnd = rc.arrivedS() + r.lifetimeS();
            double xl = LEFT + plot * Math.min(lifeEnd, end) / end;
            h.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#9aa3ad\" stroke-dasharray=\"4 3\">"
                    + "<title>lifetime: until +%s</title></line>", x0, y, xl, y, LabText.span(lifeEnd)));
            if (lifeEnd > end) {
                h.append(String.format(Locale.ROOT, "<path d=\"M%.1f %d l-7 -4 v8 z\" fill=\"#9aa3ad\"><title>lifetime ends at +%s</title></path>",
                        xl, y, LabText.span(lifeEnd)));
            } else {
                h.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#6a1b9a\" stroke-width=\"2\"/>", xl, y - 7, xl, y + 7));
            }
            if (!rc.attempts().isEmpty()) {
                LabReport.Attempt last = rc.attempts().get(rc.attempts().size() - 1);
                double x1 = LEFT + plot * (rc.arrivedS() + last.atS()) / end;
                h.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#39424e\" stroke-width=\"2\"/>", x0, y, x1, y));
            }
            for (LabReport.Attempt a : rc.attempts()) {
                double x = LEFT + plot * (rc.arrivedS() + a.atS()) / end;
                h.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%d\" r=\"5\" fill=\"%s\" stroke=\"#fff\" stroke-width=\"1\">"
                        + "<title>#%d %s: %s &#8594; %s</title></circle>", x, y, color(a.state()), a.attempt(), esc(a.at()),
                        esc(nz(a.reply())), esc(a.state())));
            }
            h.append('\n');
        }
        if (dsnRow) {
            int y = TOP + rows.size() * ROW + ROW / 2;
            h.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" fill=\"#1565c0\">DSNs to the sender</text>", LEFT - 10, y + 4));
            for (LabReport.Dsn d : r.dsns()) {
                double x = LEFT + plot * Math.min(d.atS(), end) / end;
                h.append(String.format(Locale.ROOT, "<path d=\"M%.1f %d l6 6 l-6 6 l-6 -6 z\" fill=\"#1565c0\"><title>%s %s %s</title></path>",
                        x, y - 6, esc(nz(d.action())), esc(nz(d.status())), esc(nz(d.finalRecipient()))));
            }
            h.append('\n');
        }
        h.append("</svg>\n");
    }

    private static String color(String state) {
        return switch (state) {
            case "delivered" -> "#1b7f3b";
            case "failed" -> "#c62828";
            case "expired" -> "#6a1b9a";
            default -> "#ef8a00";
        };
    }

    private static String legend(String color, String label) {
        return "<span><i class=\"dot\" style=\"background:" + color + "\"></i>" + label + "</span>";
    }

    /** A tick spacing that gives 5 to 12 ticks: 1, 2, 5, 10, 15, 30 minutes, 1, 2, 4, 6, 12 hours, days. */
    static long tick(long end) {
        long[] steps = {10, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 21600, 43200, 86400, 172800, 604800};
        for (long s : steps) if (end / s <= 12) return s;
        return Math.max(1, end / 10);
    }

    private static long niceEnd(long end) {
        long t = tick(end);
        return (end + t - 1) / t * t;
    }

    private static String clip(String s, int n) {
        return s.length() <= n ? s : s.substring(0, n - 1) + "\u2026";
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }

    static String esc(String s) {
        if (s == null) return "";
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }
}
