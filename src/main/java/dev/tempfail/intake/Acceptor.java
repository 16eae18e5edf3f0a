package dev.tempfail.intake;

import dev.tempfail.queue.NewMessage;
import dev.tempfail.queue.QueueIds;
import dev.tempfail.queue.QueueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;

/** Turns a received transaction into a queued message: trace headers, commit, log line. */
final class Acceptor {
    private static final Logger log = LoggerFactory.getLogger("intake");

    private final QueueStore queue;
    private final Clock clock;
    private final String hostname;

    Acceptor(QueueStore queue, Clock clock, String hostname) {
        this.queue = queue;
        this.clock = clock;
        this.hostname = hostname;
    }

    /** Stores the message durably and returns its queue id; only then may the caller say 250. */
    String accept(Envelope envelope, byte[] data, String helo, String clientIp, boolean esmtp) throws SQLException {
        Instant now = clock.instant();
        String queueId = QueueIds.next(clock);
        var recipients = envelope.recipients();
        String single = recipients.size() == 1 ? recipients.get(0).address() : null;
        byte[] content = TraceHeaders.apply(data,
                new TraceHeaders.Trace(helo, clientIp, esmtp, hostname, queueId, single, now));
        queue.enqueue(new NewMessage(queueId, envelope.sender(), recipients, content, now,
                envelope.envid(), envelope.ret(), envelope.bodyType(), false, clientIp, helo, false));
        log.info("{}: from=<{}>, size={}, nrcpt={}, client={}[{}]", queueId, envelope.sender(), content.length,
                recipients.size(), helo == null ? "unknown" : helo, clientIp);
        return queueId;
    }
}
