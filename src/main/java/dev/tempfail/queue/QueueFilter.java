package dev.tempfail.queue;

import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * Which messages and recipients a listing or an operator action is about: named queue ids, or
 * the filters of {@code queue list}. Message-level filters (sender, age, finished) pick
 * messages; recipient-level ones (state, domain, category) pick the recipients within them, so
 * {@code flush --domain example.com} flushes only the recipients at example.com. Null = any.
 *
 * @param queueIds        only these messages (empty = any)
 * @param sender          the envelope sender, or {@code @domain} for any sender at that domain ("" or "<>" = the null sender)
 * @param receivedBefore  only messages that arrived before this ({@code --older-than})
 * @param includeFinished finished messages too (delivered, failed, expired, deleted: {@code --all})
 * @param search          text found in the queue id, sender, subject or a recipient address (the dashboard)
 */
public record QueueFilter(List<String> queueIds, String state, String domain, String category, String sender,
                          Instant receivedBefore, boolean includeFinished, String search) {

    public QueueFilter {
        queueIds = queueIds == null ? List.of() : List.copyOf(queueIds);
    }

    /** Every unfinished message. */
    public static final QueueFilter ACTIVE = new QueueFilter(List.of(), null, null, null, null, null, false, null);

    public static QueueFilter ids(List<String> queueIds) {
        return new QueueFilter(queueIds, null, null, null, null, null, true, null);
    }

    public boolean hasRecipientConditions() {
        return state != null || domain != null || category != null;
    }

    /** The conditions on {@code message m}, ANDed, each {@code ?} added to {@code params}. */
    String messageSql(List<Object> params) {
        StringBuilder w = new StringBuilder("1 = 1");
        if (!includeFinished) w.append(" AND m.finished_at IS NULL");
        if (!queueIds.isEmpty()) {
            w.append(" AND m.queue_id IN (").append("?, ".repeat(queueIds.size() - 1)).append("?)");
            params.addAll(queueIds);
        }
        if (sender != null) {
            String s = sender.equals("<>") ? "" : sender.toLowerCase(Locale.ROOT);
            if (s.startsWith("@")) {
                w.append(" AND LOWER(m.sender) LIKE ? ESCAPE '\\'");
                params.add("%" + like(s));
            } else {
                w.append(" AND LOWER(m.sender) = ?");
                params.add(s);
            }
        }
        if (receivedBefore != null) {
            w.append(" AND m.received_at < ?");
            params.add(receivedBefore.toEpochMilli());
        }
        if (search != null && !search.isBlank()) {
            String q = "%" + like(search.strip().toLowerCase(Locale.ROOT)) + "%";
            w.append(" AND (m.queue_id = ? OR LOWER(m.sender) LIKE ? ESCAPE '\\' OR LOWER(m.subject) LIKE ? ESCAPE '\\' "
                    + "OR EXISTS (SELECT 1 FROM recipient s WHERE s.message_id = m.id AND LOWER(s.address) LIKE ? ESCAPE '\\'))");
            params.add(search.strip().toUpperCase(Locale.ROOT));
            params.add(q);
            params.add(q);
            params.add(q);
        }
        return w.toString();
    }

    /** The conditions on {@code recipient r}, ANDed ("1 = 1" when there are none). */
    String recipientSql(List<Object> params) {
        StringBuilder w = new StringBuilder("1 = 1");
        if (state != null) {
            w.append(" AND r.state = ?");
            params.add(state);
        }
        if (domain != null) {
            w.append(" AND r.domain = ?");
            params.add(domain.toLowerCase(Locale.ROOT));
        }
        if (category != null) {
            w.append(" AND r.category = ?");
            params.add(category);
        }
        return w.toString();
    }

    private static String like(String s) {
        return s.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_");
    }
}
