package dev.tempfail.admin;

import dev.tempfail.queue.QueueReader;
import dev.tempfail.queue.QueueView;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The dashboard at {@code /} of the admin listener: static files from the jar
 * ({@code /dashboard/*}: HTML, CSS and plain JavaScript, nothing from elsewhere), the OpenAPI
 * description at {@code /api/openapi.json}, and each message's retry timeline as SVG
 * ({@code GET /api/queue/{id}/timeline}), drawn by the same {@link Timeline} as the lab report.
 */
public final class Dashboard {
    private static final Map<String, String> FILES = Map.of(
            "index.html", "text/html; charset=utf-8",
            "dashboard.js", "text/javascript; charset=utf-8",
            "dashboard.css", "text/css; charset=utf-8");

    private Dashboard() {}

    public static void register(Routes routes, QueueReader reader) {
        routes.open("GET", "/", r -> file("index.html"));
        routes.open("GET", "/dashboard/{file}", r -> file(r.param("file")));
        routes.open("GET", "/api/openapi.json", r -> resource("/admin/openapi.json", AdminResponse.JSON));
        routes.get("/api/queue/{id}/timeline", r -> reader.show(r.param("id"))
                .map(m -> AdminResponse.text(200, "image/svg+xml; charset=utf-8", timeline(m)))
                .orElseThrow(() -> new AdminResponse.Failure(404, "no message " + r.param("id") + " in the queue or its history")));
    }

    private static AdminResponse file(String name) throws IOException {
        String type = FILES.get(name);
        if (type == null) throw new AdminResponse.Failure(404, "no such file: " + name);
        return resource("/dashboard/" + name, type);
    }

    private static AdminResponse resource(String path, String type) throws IOException {
        try (InputStream in = Dashboard.class.getResourceAsStream(path)) {
            if (in == null) throw new AdminResponse.Failure(404, "not in this build: " + path);
            return new AdminResponse(200, type, in.readAllBytes());
        }
    }

    /** One message's recipients on the timeline: times since its arrival; the next planned try hollow; operator actions as diamonds. */
    static String timeline(QueueView.Message m) {
        Instant arrival = Instant.parse(m.receivedAt());
        long lifetimeEnd = seconds(arrival, m.expiresAt());
        long end = 0;
        List<Timeline.Row> rows = new ArrayList<>();
        for (QueueView.Recipient r : m.recipients()) {
            List<Timeline.Mark> marks = new ArrayList<>();
            int n = 0;
            for (QueueView.Try t : r.tries()) {
                String state = t.verdict().equals("delivered") ? "delivered" : t.nextAttemptAt() != null ? "deferred"
                        : "transient".equals(t.verdict()) ? "expired" : "failed";
                marks.add(new Timeline.Mark(seconds(arrival, t.at()), state, "#" + (++n) + " " + t.at() + ": "
                        + (t.code() == null ? "" : t.code() + " ") + (t.reply() == null ? "" : t.reply()) + " \u2192 " + state));
            }
            if (r.nextAttemptAt() != null && !r.state().equals("delivering")) {
                marks.add(new Timeline.Mark(Math.max(0, seconds(arrival, r.nextAttemptAt())), "planned",
                        "next attempt " + r.nextAttemptAt()));
            }
            for (Timeline.Mark mk : marks) end = Math.max(end, mk.atS());
            rows.add(new Timeline.Row(r.address() + " (" + r.state() + ")", 0, lifetimeEnd, marks));
        }
        List<Timeline.Mark> actions = m.actions().stream().map(a -> new Timeline.Mark(seconds(arrival, a.at()), "report",
                a.action() + " " + a.at() + " by " + a.origin())).toList();
        for (Timeline.Mark a : actions) end = Math.max(end, a.atS());
        return Timeline.svg(rows, "operator", actions, end, "time since the message arrived");
    }

    private static long seconds(Instant from, String iso) {
        return Duration.between(from, Instant.parse(iso)).toSeconds();
    }
}
