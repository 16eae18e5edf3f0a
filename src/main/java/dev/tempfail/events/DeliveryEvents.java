package dev.tempfail.events;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tempfail.queue.Attempt;
import dev.tempfail.queue.Leased;
import dev.tempfail.queue.NewEvent;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * The events one try calls for, one JSON object per recipient and event. Pure: the recipient as
 * it was leased (its last category) and the try's outcome in, events out.
 *
 * <p>A deferral is an event only when it tells something new: the first one, and one whose
 * category differs from the last (greylisted, then mailbox full). Retry after retry of the same
 * trouble is not, so a receiver never gets eighteen webhooks for one soft-failing message.
 */
public final class DeliveryEvents {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final boolean enabled;

    /** With {@code enabled} false (no webhook configured) no event is made, so none is queued. */
    public DeliveryEvents(boolean enabled) {
        this.enabled = enabled;
    }

    /** The kinds of event this try of this recipient calls for, in the order they are sent. */
    static List<String> kinds(Leased before, Attempt a) {
        return switch (a.state()) {
            case DELIVERED -> List.of("delivered");
            case FAILED -> List.of("bounced");
            case EXPIRED -> List.of("expired");
            case DEFERRED -> {
                List<String> kinds = new ArrayList<>(2);
                if (!Objects.equals(before.category(), a.category())) kinds.add("deferred");
                if (a.markDelayNotified()) kinds.add("delayed");
                yield kinds;
            }
            default -> List.of();
        };
    }

    /** The events for one recorded try of {@code recipients} (one attempt each), ready to queue with it. */
    public List<NewEvent> about(List<Leased> recipients, List<Attempt> attempts, String relay) {
        if (!enabled) return List.of();
        List<NewEvent> out = new ArrayList<>();
        for (int i = 0; i < recipients.size(); i++) {
            Leased r = recipients.get(i);
            Attempt a = attempts.get(i);
            for (String kind : kinds(r, a)) out.add(new NewEvent(r.queueId(), r.address(), kind, a.at(), body(kind, r, a, relay)));
        }
        return out;
    }

    private static String body(String kind, Leased r, Attempt a, String relay) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("id", UUID.randomUUID().toString()); // receivers deduplicate by it: delivery is at least once
        e.put("event", kind);
        e.put("at", a.at().toString());
        e.put("queue_id", r.queueId());
        e.put("recipient", r.address());
        if (r.orcpt() != null) e.put("orcpt", r.orcpt());
        e.put("attempt", r.attempts() + 1);
        e.put("received_at", r.receivedAt().toString());
        e.put("relay", relay);
        e.put("stage", a.stage());
        e.put("dsn", a.status());
        e.put("reply", a.code() == null ? a.text() : a.code() + " " + a.text());
        e.put("category", a.category());
        if (a.nextAttempt() != null) e.put("next_attempt", a.nextAttempt().toString());
        try {
            return JSON.writeValueAsString(e);
        } catch (JsonProcessingException impossible) {
            throw new IllegalStateException(impossible);
        }
    }
}
