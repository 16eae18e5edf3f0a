package dev.tempfail.admin;

import dev.tempfail.config.Durations;

import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * The retry timeline, drawn as inline SVG: one row per recipient, a mark per attempt coloured
 * by what came of it (a hollow one for the next planned attempt), the recipient's life in the
 * queue as a line, and its lifetime as a dashed line to where it ends (or an arrow when that is
 * off the chart); optionally a last row of diamonds (the DSNs). The one drawing of it: the lab
 * report ({@code tempfail lab run --html}) and the dashboard ({@code GET /api/queue/{id}/timeline}) both use it.
 */
public final class Timeline {
    private static final int LEFT = 210;
    private static final int RIGHT = 40;
    private static final int WIDTH = 1100;
    private static final int ROW = 22;
    private static final int TOP = 40;

    /** Colours by outcome, shared with the legends around the chart. */
    public static final String DELIVERED = "#1b7f3b";
    public static final String DEFERRED = "#ef8a00";
    public static final String FAILED = "#c62828";
    public static final String EXPIRED = "#6a1b9a";
    public static final String REPORT = "#1565c0";

    /** A mark at {@code atS} seconds from the start of the chart; {@code state} picks its colour ({@code planned}: hollow). */
    public record Mark(long atS, String state, String title) {}

    /** One recipient: from {@code startS}, its lifetime ending at {@code lifetimeEndS}, its attempts. */
    public record Row(String label, long startS, long lifetimeEndS, List<Mark> marks) {}

    private Timeline() {}

    /**
     * @param reports the last row's diamonds (DSNs), labelled {@code reportsLabel}; empty = no such row
     * @param minEnd  the chart covers at least this many seconds
     */
    public static String svg(List<Row> rows, String reportsLabel, List<Mark> reports, long minEnd, String axisLabel) {
        long end = Math.max(60, minEnd);
        for (Row r : rows) for (Mark m : r.marks()) end = Math.max(end, m.atS());
        end = niceEnd(Math.round(end * 1.04));
        StringBuilder h = new StringBuilder(4096);
        boolean reportRow = !reports.isEmpty();
        int n = rows.size() + (reportRow ? 1 : 0);
        int height = TOP + n * ROW + 30;
        double plot = WIDTH - LEFT - RIGHT;
        h.append("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"timeline\" width=\"").append(WIDTH).append("\" height=\"")
                .append(height).append("\" viewBox=\"0 0 ").append(WIDTH).append(' ').append(height)
                .append("\" font-family=\"system-ui,sans-serif\" font-size=\"12\" role=\"img\" aria-label=\"retry timeline\">\n");
        long tick = tick(end);
        for (long s = 0; s <= end; s += tick) {
            double x = LEFT + plot * s / end;
            h.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#e3e6ea\"/>", x, TOP - 8, x, TOP + n * ROW));
            h.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#555\">+%s</text>\n", x, TOP - 14,
                    span(s)));
        }
        h.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" fill=\"#555\">%s</text>\n", LEFT, TOP + n * ROW + 22,
                esc(axisLabel)));
        for (int i = 0; i < rows.size(); i++) {
            Row rc = rows.get(i);
            int y = TOP + i * ROW + ROW / 2;
            if (i % 2 == 1) h.append(String.format(Locale.ROOT, "<rect x=\"0\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#f6f7f9\"/>", y - ROW / 2, WIDTH, ROW));
            h.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>", LEFT - 10, y + 4,
                    esc(clip(rc.label(), 28))));
            double x0 = LEFT + plot * rc.startS() / end;
            double xl = LEFT + plot * Math.min(rc.lifetimeEndS(), end) / end;
            h.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#9aa3ad\" stroke-dasharray=\"4 3\">"
                    + "<title>lifetime: until +%s</title></line>", x0, y, xl, y, span(rc.lifetimeEndS())));
            if (rc.lifetimeEndS() > end) {
                h.append(String.format(Locale.ROOT, "<path d=\"M%.1f %d l-7 -4 v8 z\" fill=\"#9aa3ad\"><title>lifetime ends at +%s</title></path>",
                        xl, y, span(rc.lifetimeEndS())));
            } else {
                h.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"%s\" stroke-width=\"2\"/>",
                        xl, y - 7, xl, y + 7, EXPIRED));
            }
            long lastTry = rc.marks().stream().filter(m -> !m.state().equals("planned")).mapToLong(Mark::atS).max().orElse(-1);
            if (lastTry >= 0) {
                double x1 = LEFT + plot * lastTry / end;
                h.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#39424e\" stroke-width=\"2\"/>", x0, y, x1, y));
            }
            for (Mark m : rc.marks()) {
                double x = LEFT + plot * m.atS() / end;
                boolean planned = m.state().equals("planned");
                h.append(String.format(Locale.ROOT, "<circle class=\"attempt %s\" cx=\"%.1f\" cy=\"%d\" r=\"5\" fill=\"%s\" stroke=\"%s\" "
                        + "stroke-width=\"%s\"><title>%s</title></circle>", esc(m.state()), x, y,
                        planned ? "#fff" : color(m.state()), planned ? DEFERRED : "#fff", planned ? "2" : "1", esc(m.title())));
            }
            h.append('\n');
        }
        if (reportRow) {
            int y = TOP + rows.size() * ROW + ROW / 2;
            h.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" fill=\"%s\">%s</text>", LEFT - 10, y + 4,
                    REPORT, esc(reportsLabel)));
            for (Mark d : reports) {
                double x = LEFT + plot * Math.min(d.atS(), end) / end;
                h.append(String.format(Locale.ROOT, "<path d=\"M%.1f %d l6 6 l-6 6 l-6 -6 z\" fill=\"%s\"><title>%s</title></path>",
                        x, y - 6, REPORT, esc(d.title())));
            }
            h.append('\n');
        }
        h.append("</svg>\n");
        return h.toString();
    }

    static String color(String state) {
        return switch (state) {
            case "delivered" -> DELIVERED;
            case "failed", "deleted" -> FAILED;
            case "expired" -> EXPIRED;
            default -> DEFERRED;
        };
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

    /** Seconds as a compact duration ({@code 1h30m}); a negative count reads as 0. */
    public static String span(long seconds) {
        return Durations.compact(Duration.ofSeconds(Math.max(0, seconds)));
    }

    /** HTML-escapes text for an element or an attribute. */
    public static String esc(String s) {
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
