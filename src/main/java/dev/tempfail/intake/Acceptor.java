package dev.tempfail.intake;

import dev.tempfail.maillog.Client;
import dev.tempfail.maillog.MailLog;
import dev.tempfail.queue.BodyStore;
import dev.tempfail.queue.NewMessage;
import dev.tempfail.queue.QueueIds;
import dev.tempfail.queue.QueueStore;

import java.io.IOException;
import java.io.OutputStream;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;

/**
 * Turns a received transaction into a queued message: the body streams into the body store
 * (trace headers first) while DATA is read, then it is sealed (durable), then the row naming it
 * is committed, then the log line; only then may the caller say 250.
 */
final class Acceptor {
    private final QueueStore queue;
    private final Clock clock;
    private final String hostname;
    private final MailLog mailLog;
    private final boolean showUser;

    Acceptor(QueueStore queue, Clock clock, String hostname, boolean showUser, MailLog mailLog) {
        this.mailLog = mailLog;
        this.showUser = showUser;
        this.queue = queue;
        this.clock = clock;
        this.hostname = hostname;
    }

    /** Whether a message of {@code size} bytes (0 = not announced) may come in without eating into queue.min_free. */
    boolean hasRoomFor(long size) {
        return queue.hasRoomFor(size);
    }

    /** Starts the body of a new message; close the result in every case (that discards what was not accepted). */
    Incoming begin(Envelope envelope, Origin origin) throws IOException {
        Instant now = clock.instant();
        String queueId = QueueIds.next(clock);
        var recipients = envelope.recipients();
        String single = recipients.size() == 1 ? recipients.get(0).address() : null;
        BodyStore.Draft draft = queue.bodies().create(queueId);
        return new Incoming(envelope, queueId, now, origin, draft,
                TraceHeaders.writer(draft, new TraceHeaders.Trace(origin, showUser, hostname, queueId, single, now)));
    }

    /** Seals the body and commits the message; returns its queue id. On failure nothing of it stays. */
    String accept(Incoming in) throws IOException, SQLException {
        in.content.finish();
        BodyStore.Stored body = in.draft.seal();
        Envelope envelope = in.envelope;
        try {
            queue.enqueue(new NewMessage(in.queueId, envelope.sender(), envelope.recipients(), body, in.at,
                    envelope.envid(), envelope.ret(), envelope.bodyType(), needsSmtputf8(envelope, in.content),
                    in.origin.client().ip(), in.origin.helo(), false,
                    in.origin.user(), in.content.subject()));
        } catch (SQLException | RuntimeException e) {
            queue.bodies().delete(body.key());
            throw e;
        }
        mailLog.received(in.queueId, in.origin.client(), in.origin.user(), in.content.messageId(), envelope.sender(), body.size(),
                envelope.recipients().size());
        return in.queueId;
    }

    /**
     * Whether only a next hop that offers SMTPUTF8 may take the message: the client asked for it,
     * and an address or a header field is UTF-8. A client that said SMTPUTF8 for a message that is
     * all ASCII gets it delivered anywhere (nothing needs the extension). Postfix, too, holds
     * mail to one rule per message: a UTF-8 recipient makes its ASCII co-recipients wait for an
     * SMTPUTF8 next hop as well.
     */
    private static boolean needsSmtputf8(Envelope envelope, TraceHeaders.Writer content) {
        return envelope.smtputf8() && (envelope.hasUtf8Address() || content.utf8Headers());
    }

    /** One message on its way in: where its bytes go ({@link #content}). */
    static final class Incoming implements AutoCloseable {
        private final Envelope envelope;
        private final String queueId;
        private final Instant at;
        private final Origin origin;
        private final BodyStore.Draft draft;
        private final TraceHeaders.Writer content;

        private Incoming(Envelope envelope, String queueId, Instant at, Origin origin,
                         BodyStore.Draft draft, TraceHeaders.Writer content) {
            this.envelope = envelope;
            this.queueId = queueId;
            this.at = at;
            this.origin = origin;
            this.draft = draft;
            this.content = content;
        }

        /** The client's bytes (unstuffed) go here. */
        OutputStream content() {
            return content;
        }

        /** Discards the body unless it was sealed. */
        @Override
        public void close() {
            draft.close();
        }
    }
}
