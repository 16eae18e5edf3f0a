package dev.tempfail.testsupport;

import dev.tempfail.lab.Answers;
import dev.tempfail.lab.LabReceiver;
import dev.tempfail.lab.ReceivedMessage;
import dev.tempfail.lab.ReceiverLog;
import dev.tempfail.message.HeaderSection;
import dev.tempfail.smtp.Stage;
import dev.tempfail.smtp.Target;

import javax.net.ssl.SSLContext;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The tests' next hop: the lab's scripted SMTP server ({@link LabReceiver}) on 127.0.0.1, with
 * what it offers and how it answers set the way tests say it: a reply per stage (per recipient
 * for RCPT), delays and hang-ups. It records every command line (with whether it came over TLS
 * and whether more input was already waiting, which shows PIPELINING) and every message with its
 * envelope and the bytes as they were on the wire ({@link ReceivedMessage}).
 *
 * <pre>{@code
 * try (FakeUpstream up = FakeUpstream.builder().pipelining(true)
 *         .rcptReply("nobody@example.org", "550 5.1.1 No such user").start()) {
 *     ... deliver to up.target() ...
 *     up.messages().get(0).recipients();
 * }
 * }</pre>
 *
 * Replies are written as on the wire, without CRLF: {@code "451 4.7.1 Greylisted"}; a reply
 * with code 421 makes the server close the connection after sending it. Scripted delays end
 * early when the server is closed, so a test never waits for them.
 */
public final class FakeUpstream implements AutoCloseable, Answers {

    public static Builder builder() {
        return new Builder();
    }

    /** What the server offers (as {@link LabReceiver.Builder}, with no PIPELINING and no SIZE by default) and how it answers. */
    public static final class Builder {
        private final LabReceiver.Builder offer = LabReceiver.builder().greetingName("fake.test").ehloName("fake.test")
                .softwareName("FakeUpstream").pipelining(false).size(-1).idleTimeout(Duration.ofSeconds(10));
        private String greeting;
        private String ehloReply;
        private String heloReply;
        private String mailReply;
        private String dataReply;
        private String dotReply = "250 2.0.0 Ok: queued";
        private final Map<String, List<String>> rcptReplies = new HashMap<>();
        private final Map<Stage, Duration> delays = new EnumMap<>(Stage.class);
        private final Set<Stage> drops = EnumSet.noneOf(Stage.class);
        private int answerBeforeHold = -1;

        private Builder() {}

        public Builder pipelining(boolean on) { offer.pipelining(on); return this; }

        public Builder dsn(boolean on) { offer.dsn(on); return this; }

        public Builder smtpUtf8(boolean on) { offer.smtpUtf8(on); return this; }

        public Builder eightBitMime(boolean on) { offer.eightBitMime(on); return this; }

        /** Advertise {@code SIZE n} ({@code SIZE} alone for 0); not advertised by default. */
        public Builder size(long limit) { offer.size(limit); return this; }

        /** Offer STARTTLS and do it for real with this server context (see {@link TestTls}). */
        public Builder startTls(SSLContext serverContext) { offer.startTls(serverContext); return this; }

        public Builder brokenStartTls() { offer.brokenStartTls(); return this; }

        public Builder startTlsReply(String reply) { offer.startTlsReply(reply); return this; }

        public Builder login(String user, String password) { offer.login(user, password); return this; }

        /** The name in the 220 greeting (default {@code fake.test}); a relay's own name makes a loop. */
        public Builder greetingName(String name) { offer.greetingName(name); return this; }

        public Builder ehloName(String name) { offer.ehloName(name); return this; }

        public Builder maxRecipientsPerTransaction(int n) { offer.maxRecipientsPerTransaction(n); return this; }

        public Builder dataWithoutRecipients() { offer.dataWithoutRecipients(); return this; }

        /** Refuse every connection with this greeting instead of 220, e.g. {@code "421 4.3.2 Busy"}. */
        public Builder greeting(String reply) { this.greeting = reply; return this; }

        /** Answer EHLO with this instead of the capabilities (HELO still works). */
        public Builder ehloReply(String reply) { this.ehloReply = reply; return this; }

        public Builder heloReply(String reply) { this.heloReply = reply; return this; }

        /** Answer MAIL with this; a 2xx still starts the transaction. */
        public Builder mailReply(String reply) { this.mailReply = reply; return this; }

        /** Answer RCPT for this address (case-insensitive) with this; a 2xx accepts it. */
        public Builder rcptReply(String address, String reply) { return rcptReplies(address, reply); }

        /** Answer the n-th RCPT for this address with the n-th reply; the last one repeats. */
        public Builder rcptReplies(String address, String... replies) {
            rcptReplies.put(address.toLowerCase(Locale.ROOT), List.of(replies));
            return this;
        }

        /** Answer DATA with this instead of 354. */
        public Builder dataReply(String reply) { this.dataReply = reply; return this; }

        /** Answer the final dot with this (default {@code 250 2.0.0 Ok: queued}). */
        public Builder dotReply(String reply) { this.dotReply = reply; return this; }

        /**
         * Wait before answering at this stage: CONNECT delays the greeting, EHLO/MAIL/RCPT
         * their replies, DATA the reply to the final dot (the message is recorded before).
         */
        public Builder delay(Stage stage, Duration d) { delays.put(stage, d); return this; }

        /**
         * Hang up instead of answering at this stage (EHLO, MAIL, RCPT); for DATA: say 354,
         * read one line of the content, then hang up.
         */
        public Builder dropAt(Stage stage) { drops.add(stage); return this; }

        /**
         * Answer the final dot of the first {@code n} messages, then record each later one and
         * hold its reply until {@link #releaseHeld()} (or close): a state that stays put however
         * fast or slow the machine is, for tests that must stop a relay mid-delivery.
         */
        public Builder holdRepliesAfter(int n) { this.answerBeforeHold = n; return this; }

        public FakeUpstream start() {
            return new FakeUpstream(this);
        }
    }

    private final Builder script;
    private final LabReceiver server;
    private final CountDownLatch released = new CountDownLatch(1);
    private final Map<String, AtomicInteger> rcptSeen = new ConcurrentHashMap<>();

    private FakeUpstream(Builder script) {
        this.script = script;
        this.server = script.offer.answers(this).start();
    }

    public int port() {
        return server.port();
    }

    public InetSocketAddress address() {
        return server.address();
    }

    /** This server as a delivery target named {@code hostName}. */
    public Target target(String hostName) {
        return new Target(hostName, address());
    }

    public Target target() {
        return target("localhost");
    }

    /** Every command line received, from every connection, in order. */
    public List<ReceiverLog.Entry> commands() {
        return server.log().entries().stream().filter(e -> e.direction() == '>').toList();
    }

    /** Just the lines of {@link #commands()}. */
    public List<String> commandLines() {
        return commands().stream().map(ReceiverLog.Entry::line).toList();
    }

    /** The commands with this verb ({@code MAIL}, {@code RCPT}, {@code DATA}, ...). */
    public List<ReceiverLog.Entry> commands(String verb) {
        return commands().stream().filter(c -> c.verb().equals(verb)).toList();
    }

    /** Every message received with DATA, in order, whatever the server then answered. */
    public List<ReceivedMessage> messages() {
        return server.received();
    }

    /** How many of {@link #messages()} came with each Subject, by subject in order. */
    public Map<String, Integer> subjectCounts() {
        Map<String, Integer> counts = new TreeMap<>();
        for (ReceivedMessage m : messages()) counts.merge(HeaderSection.value(m.content(), "Subject"), 1, Integer::sum);
        return counts;
    }

    /** Connections accepted so far. */
    public int connections() {
        return server.connections();
    }

    /** Let every held reply (and every later one) go; see {@link Builder#holdRepliesAfter}. */
    public void releaseHeld() {
        released.countDown();
    }

    @Override
    public void close() {
        released.countDown();
        server.close();
    }

    // ---- the script at work (Answers) ---------------------------------------------------

    private Answer at(Stage stage, String reply) {
        return new Answer(reply, script.delays.getOrDefault(stage, Duration.ZERO), null, script.drops.contains(stage));
    }

    @Override
    public Answer connect(String client, int open) {
        return at(Stage.CONNECT, script.greeting);
    }

    @Override
    public Answer ehlo(String client) {
        return at(Stage.EHLO, script.ehloReply);
    }

    @Override
    public Answer helo(String client) {
        return new Answer(script.heloReply, Duration.ZERO, null);
    }

    @Override
    public Answer mail(String client, String sender) {
        return at(Stage.MAIL, script.mailReply);
    }

    @Override
    public Answer rcpt(String client, String sender, String recipient) {
        String address = recipient.toLowerCase(Locale.ROOT);
        List<String> replies = script.rcptReplies.get(address);
        String reply = null;
        if (replies != null) {
            int n = rcptSeen.computeIfAbsent(address, a -> new AtomicInteger()).getAndIncrement();
            reply = replies.get(Math.min(n, replies.size() - 1));
        }
        return at(Stage.RCPT, reply);
    }

    @Override
    public Answer dataCommand(String client, String sender, List<String> recipients) {
        return new Answer(script.dataReply, Duration.ZERO, null, script.drops.contains(Stage.DATA));
    }

    @Override
    public Answer data(String client, String sender, List<String> recipients) {
        if (script.answerBeforeHold >= 0 && server.received().size() > script.answerBeforeHold) {
            try {
                released.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return new Answer(script.dotReply, script.delays.getOrDefault(Stage.DATA, Duration.ZERO), null);
    }
}
