package dev.tempfail.admin;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tempfail.config.Settings;
import dev.tempfail.queue.Destinations;
import dev.tempfail.queue.OperatorActions;
import dev.tempfail.queue.QueueFilter;
import dev.tempfail.queue.QueueReader;
import dev.tempfail.queue.QueueView;
import dev.tempfail.queue.RecipientState;
import dev.tempfail.reply.Category;
import dev.tempfail.maillog.MailLog;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The queue's part of the admin API: the views and actions of {@code tempfail queue} and
 * {@code tempfail destination}. The commands call these endpoints while a relay runs, and run
 * the same endpoints in-process on the queue database when none does ({@link AdminClient}), so
 * both give the same JSON and do the same things. Every action is logged (the mail log's
 * {@code tempfail/admin} lines, one per message) with what, when and from where, and recorded in
 * each message's history.
 */
public final class QueueApi {
    /** {@code limit} when none is given, and the most one listing may ask for. */
    static final int DEFAULT_LIMIT = 1000;
    static final int MAX_LIMIT = 100_000;
    static final List<String> ACTIONS = List.of("hold", "release", "flush", "retry", "delete", "bounce");
    /** How long (real time) the operator's lease on recipients being bounced lasts, should the bounce die half-way. */
    private static final Duration BOUNCE_LEASE = Duration.ofMinutes(5);

    private final QueueReader reader;
    private final OperatorActions actions;
    private final Destinations destinations;
    private final OperatorActions.Reports reports;
    private final MailLog mailLog;
    private final Clock clock;

    public QueueApi(QueueReader reader, OperatorActions actions, Destinations destinations, OperatorActions.Reports reports,
                    MailLog mailLog, Clock clock) {
        this.reader = reader;
        this.actions = actions;
        this.destinations = destinations;
        this.reports = reports;
        this.mailLog = mailLog;
        this.clock = clock;
    }

    public void register(Routes routes) {
        routes.get("/api/queue", r -> AdminResponse.ok(reader.list(filter(r::query, List.of(), clock.instant()),
                limit(r.query("limit").orElse(null)))));
        routes.get("/api/queue/{id}", r -> AdminResponse.ok(message(r.param("id"))));
        routes.get("/api/queue/{id}/content", r -> content(r.param("id"), r.query("headers").map(QueueApi::truthy).orElse(false)));
        routes.get("/api/totals", r -> AdminResponse.ok(reader.totals()));
        routes.post("/api/queue/{action}", this::act);
        routes.get("/api/destinations", r -> AdminResponse.ok(reader.throttles()));
        // heartbeats are in real time (as leases are), so a node's state is judged against it, not the relay's clock
        routes.get("/api/nodes", r -> AdminResponse.ok(reader.nodes(Instant.now())));
        routes.post("/api/destinations/{name}/suspend", this::suspend);
        routes.post("/api/destinations/{name}/resume", this::resume);
    }

    private QueueView.Message message(String queueId) throws Exception {
        return reader.show(queueId.toUpperCase(Locale.ROOT))
                .orElseThrow(() -> new AdminResponse.Failure(404, "no message " + queueId + " in the queue or its history"));
    }

    private AdminResponse content(String queueId, boolean headersOnly) throws Exception {
        QueueView.Message m = message(queueId);
        byte[] bytes = reader.content(m.queueId()).orElseThrow(() -> new AdminResponse.Failure(410,
                "message " + m.queueId() + " is finished and its body was not kept (queue.keep_bodies: false)"));
        if (headersOnly) bytes = java.util.Arrays.copyOf(bytes, dev.tempfail.message.HeaderSection.length(bytes));
        return new AdminResponse(200, "message/rfc822", bytes);
    }

    /** {@code POST /api/queue/hold} and the others: {@code {"ids": [...]}} or list's filters, or {@code {"all": true}}. */
    private AdminResponse act(AdminRequest r) throws Exception {
        String action = r.param("action");
        if (!ACTIONS.contains(action)) {
            throw new AdminResponse.Failure(404, "no action '" + action + "' (known: " + String.join(", ", ACTIONS) + ")");
        }
        JsonNode body = r.json();
        List<String> ids = new ArrayList<>();
        if (body.has("ids")) {
            if (!body.get("ids").isArray()) throw new AdminResponse.Failure(400, "ids must be a list of queue ids");
            for (JsonNode id : body.get("ids")) ids.add(queueId(id.asText()));
        }
        Function<String, Optional<String>> field = k -> body.hasNonNull(k) ? Optional.of(body.get(k).asText()) : Optional.empty();
        Instant now = clock.instant();
        QueueFilter f = filter(field, ids, now);
        boolean everything = ids.isEmpty() && f.equals(QueueFilter.ACTIVE);
        if (everything && !action.equals("flush") && !truthy(field.apply("all").orElse("false"))) {
            throw new AdminResponse.Failure(400, action + " needs queue ids, a filter, or \"all\": true for the whole queue");
        }
        if (action.equals("retry") && ids.isEmpty()) {
            throw new AdminResponse.Failure(400, "retry takes queue ids; flush takes filters");
        }
        QueueView.ActionResult result = switch (action) {
            case "hold" -> actions.hold(f, r.from(), now);
            case "release" -> actions.release(f, r.from(), now);
            case "flush", "retry" -> actions.flush(action, f, r.from(), now);
            case "delete" -> actions.delete(f, r.from(), now);
            default -> actions.bounce(f, r.from(), now, Instant.now().plus(BOUNCE_LEASE), reports);
        };
        for (String queueId : result.messages()) mailLog.operatorAction(queueId, action, null, r.from());
        if (result.busy() > 0 || result.messages().isEmpty()) {
            mailLog.operatorAction(null, action, result.recipients() + " recipient(s) changed, " + result.busy()
                    + " being tried right now left alone", r.from());
        }
        return AdminResponse.ok(result);
    }

    private AdminResponse suspend(AdminRequest r) throws Exception {
        String name = destination(r.param("name"));
        String span = r.json().path("for").asText(null);
        if (span == null) throw new AdminResponse.Failure(400, "suspend needs \"for\": a duration like 2h");
        Duration d = duration("for", span);
        Instant now = clock.instant();
        destinations.suspend(name, now, now.plus(d), "suspended by the operator (" + r.from() + ")");
        mailLog.operatorAction(null, "suspend", name + " for " + dev.tempfail.config.Durations.compact(d), r.from());
        return AdminResponse.ok(Map.of("destination", name, "paused_until", now.plus(d).toString()));
    }

    private AdminResponse resume(AdminRequest r) throws Exception {
        String name = destination(r.param("name"));
        boolean had = destinations.resume(name);
        // mail put back to wait for the pause is due again at once (for a recipient domain; a next hop's mail is due as it was)
        QueueView.ActionResult flushed = actions.flush("flush", new QueueFilter(List.of(), null, name, null, null, null,
                false, null), r.from(), clock.instant());
        mailLog.operatorAction(null, "resume", name + ": " + (had ? "pause lifted" : "was not paused") + ", "
                + flushed.recipients() + " recipient(s) due now", r.from());
        return AdminResponse.ok(Map.of("destination", name, "was_throttled", had, "recipients_due", flushed.recipients()));
    }

    /** The filters of {@code queue list}, from a query string or an action's JSON body. */
    static QueueFilter filter(Function<String, Optional<String>> get, List<String> ids, Instant now) {
        String state = get.apply("state").map(s -> {
            try {
                return RecipientState.fromDb(s.trim()).dbName();
            } catch (IllegalArgumentException e) {
                throw new AdminResponse.Failure(400, "unknown state '" + s + "' (known: queued, delivering, deferred, held, "
                        + "delivered, failed, expired, deleted)");
            }
        }).orElse(null);
        String category = get.apply("category").map(c -> {
            try {
                return Category.parse(c).label();
            } catch (IllegalArgumentException e) {
                throw new AdminResponse.Failure(400, e.getMessage());
            }
        }).orElse(null);
        Instant before = get.apply("older_than").map(t -> now.minus(duration("older_than", t))).orElse(null);
        boolean all = get.apply("all").map(QueueApi::truthy).orElse(false)
                || (state != null && RecipientState.fromDb(state).isFinal());
        return new QueueFilter(ids, state, get.apply("domain").map(String::trim).orElse(null), category,
                get.apply("sender").map(String::trim).orElse(null), before, all || !ids.isEmpty(),
                get.apply("q").orElse(null));
    }

    private static Duration duration(String key, String text) {
        try {
            return Settings.parseDuration(text);
        } catch (IllegalArgumentException e) {
            throw new AdminResponse.Failure(400, key + " " + e.getMessage());
        }
    }

    private static String queueId(String id) {
        String q = id.trim().toUpperCase(Locale.ROOT);
        if (!q.matches("[0-9A-Z]{1,32}")) throw new AdminResponse.Failure(400, "'" + id + "' is not a queue id");
        return q;
    }

    private static String destination(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        if (!n.matches("[a-z0-9.:\\[\\]-]{1,255}")) throw new AdminResponse.Failure(400, "'" + name + "' is not a destination");
        return n;
    }

    private static boolean truthy(String s) {
        return s.equals("true") || s.equals("1") || s.equals("yes") || s.isEmpty();
    }

    /** A listing's {@code limit}: a positive number up to {@link #MAX_LIMIT}; anything else is refused, never cut. */
    static int limit(String text) {
        if (text == null) return DEFAULT_LIMIT;
        String problem = limitProblem(text);
        if (problem != null) throw new AdminResponse.Failure(400, problem);
        return Integer.parseInt(text);
    }

    /** Why {@code text} is not a valid limit, or null. Shared by the CLI, so both say the same. */
    public static String limitProblem(String text) {
        if (!text.matches("-?[0-9]{1,12}")) return "limit must be a number, got '" + text + "'";
        long n = Long.parseLong(text);
        if (n < 1) return "limit must be at least 1, got " + n;
        if (n > MAX_LIMIT) return "limit must be at most " + MAX_LIMIT + ", got " + n + " (narrow the listing with filters)";
        return null;
    }
}
