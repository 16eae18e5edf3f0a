package dev.tempfail.lab;

import java.time.Duration;
import java.util.List;

/**
 * What a {@link LabReceiver} answers at each stage of a conversation. The lab's answers are a
 * script at work ({@link ScriptedReplies}); a test may give its own. Called on the session's
 * thread, so an answer may take its time (a test that must hold a reply holds it here).
 */
public interface Answers {
    /**
     * The answer at one stage.
     *
     * @param reply  the reply to send, placeholders filled; null: let the command through with the
     *               receiver's own positive reply
     * @param delay  real time to wait before answering
     * @param rule   the rule that answered; null when none did
     * @param hangUp close the connection instead of answering (at the DATA command: after the 354
     *               and one line of the message)
     */
    record Answer(String reply, Duration delay, String rule, boolean hangUp) {
        public static final Answer PASS = new Answer(null, Duration.ZERO, null);

        public Answer(String reply, Duration delay, String rule) {
            this(reply, delay, rule, false);
        }

        public boolean passes() {
            return reply == null || reply.startsWith("2");
        }
    }

    /** A new connection from {@code client}, with {@code open} others already open. */
    Answer connect(String client, int open);

    Answer ehlo(String client);

    /** HELO: as EHLO unless said otherwise. */
    default Answer helo(String client) {
        return ehlo(client);
    }

    Answer mail(String client, String sender);

    Answer rcpt(String client, String sender, String recipient);

    /** The DATA command itself: 354 unless said otherwise. */
    default Answer dataCommand(String client, String sender, List<String> recipients) {
        return Answer.PASS;
    }

    /** The reply to the final dot, for a transaction whose accepted recipients are {@code recipients}. */
    Answer data(String client, String sender, List<String> recipients);
}
