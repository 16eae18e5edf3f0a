package dev.tempfail.testsupport;

import dev.tempfail.smtp.Stage;
import dev.tempfail.smtp.Target;
import org.subethamail.smtp.DropConnectionException;
import org.subethamail.smtp.MessageContext;
import org.subethamail.smtp.MessageHandler;
import org.subethamail.smtp.internal.server.BaseCommand;
import org.subethamail.smtp.internal.server.Command;
import org.subethamail.smtp.internal.server.CommandException;
import org.subethamail.smtp.internal.server.CommandHandler;
import org.subethamail.smtp.internal.server.HelpMessage;
import org.subethamail.smtp.server.SMTPServer;
import org.subethamail.smtp.server.Session;
import org.subethamail.smtp.server.SessionHandler;

import javax.net.ssl.SSLContext;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A scriptable SMTP server on 127.0.0.1 for tests, built on SubEtha SMTP: it answers every
 * stage as scripted (per recipient for RCPT), advertises the extensions asked for, and records
 * everything it was sent: each command line (with the MAIL/RCPT parameters, whether it came
 * over TLS and whether more input was already waiting, which shows PIPELINING), and each
 * message with its envelope, the bytes as they were on the wire and as unstuffed.
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
public final class FakeUpstream implements AutoCloseable {

    /** One command line as received. {@code moreInputWaiting}: the client had already sent more (pipelining). */
    public record CommandLine(int session, String line, boolean tls, boolean moreInputWaiting) {
        public String verb() {
            int sp = line.indexOf(' ');
            int colon = line.indexOf(':');
            int end = sp < 0 ? line.length() : sp;
            if (colon > 0 && colon < end) end = colon;
            return line.substring(0, end).toUpperCase(Locale.ROOT);
        }
    }

    /**
     * One message that came in with DATA, whatever the server then answered ({@code reply}).
     *
     * @param mailLine   the whole MAIL command, parameters included
     * @param rcptLines  the RCPT commands of the accepted recipients
     * @param recipients the accepted recipients' addresses
     * @param content    the message as unstuffed, without the terminating dot line
     * @param wire       the bytes exactly as sent after the 354, terminating {@code .CRLF} included
     */
    public record Received(int session, boolean tls, String mailLine, String sender, List<String> rcptLines,
                           List<String> recipients, byte[] content, byte[] wire, String reply) {
        public String contentAsString() {
            return new String(content, StandardCharsets.ISO_8859_1);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder {
        private boolean pipelining;
        private boolean dsn;
        private boolean eightBitMime = true;
        private long size = -1;
        private SSLContext tls;
        private boolean brokenTls;
        private String startTlsReply;
        private String greeting;
        private String greetingName = "fake.test";
        private String ehloName = "fake.test";
        private String ehloReply;
        private String loginUser;
        private String loginPassword;
        private String heloReply;
        private String mailReply;
        private String dataReply;
        private String dotReply = "250 2.0.0 Ok: queued";
        private boolean dataWithoutRecipients;
        private int maxRecipients;
        private final Map<String, List<String>> rcptReplies = new HashMap<>();
        private final Map<Stage, Duration> delays = new EnumMap<>(Stage.class);
        private final Set<Stage> drops = EnumSet.noneOf(Stage.class);
        private int answerBeforeHold = -1;

        private Builder() {}

        /** Advertise PIPELINING (RFC 2920). */
        public Builder pipelining(boolean on) { this.pipelining = on; return this; }

        /** Advertise DSN (RFC 3461). */
        public Builder dsn(boolean on) { this.dsn = on; return this; }

        /** Advertise 8BITMIME (on by default). */
        public Builder eightBitMime(boolean on) { this.eightBitMime = on; return this; }

        /** Advertise {@code SIZE n} ({@code SIZE} alone for 0); not advertised by default. */
        public Builder size(long limit) { this.size = limit; return this; }

        /** Offer STARTTLS and do it for real with this server context (see {@link TestTls}). */
        public Builder startTls(SSLContext serverContext) { this.tls = serverContext; return this; }

        /** Offer STARTTLS, answer 220, then answer the ClientHello with garbage and hang up. */
        /** Offer AUTH PLAIN LOGIN and accept exactly this user and password. */
        public Builder login(String user, String password) { this.loginUser = user; this.loginPassword = password; return this; }

        public Builder brokenStartTls() { this.brokenTls = true; return this; }

        /** Offer STARTTLS and answer it with this (e.g. {@code "454 4.7.0 TLS not available"}). */
        public Builder startTlsReply(String reply) { this.brokenTls = true; this.startTlsReply = reply; return this; }

        /** The name in the 220 greeting (default {@code fake.test}); a relay's own name makes a loop. */
        public Builder greetingName(String name) { this.greetingName = name; return this; }

        /** The name in the first line of the EHLO reply (default {@code fake.test}). */
        public Builder ehloName(String name) { this.ehloName = name; return this; }

        /** Refuse every connection with this greeting instead of 220, e.g. {@code "421 4.3.2 Busy"}. */
        public Builder greeting(String reply) { this.greeting = reply; return this; }

        /** Answer EHLO with this instead of the capabilities (HELO still works). */
        public Builder ehloReply(String reply) { this.ehloReply = reply; return this; }

        public Builder heloReply(String reply) { this.heloReply = reply; return this; }

        /** Answer MAIL with this; a 2xx still starts the transaction. */
        public Builder mailReply(String reply) { this.mailReply = reply; return this; }

        /** Answer RCPT for this address (case-insensitive) with this; a 2xx accepts it. */
        public Builder rcptReply(String address, String reply) {
            return rcptReplies(address, reply);
        }

        /** Answer the n-th RCPT for this address with the n-th reply; the last one repeats. */
        public Builder rcptReplies(String address, String... replies) {
            rcptReplies.put(address.toLowerCase(Locale.ROOT), List.of(replies));
            return this;
        }

        /** Answer DATA with this instead of 354. */
        public Builder dataReply(String reply) { this.dataReply = reply; return this; }

        /** Answer the final dot with this (default {@code 250 2.0.0 Ok: queued}). */
        public Builder dotReply(String reply) { this.dotReply = reply; return this; }

        /** Say 354 to DATA even when no RCPT was accepted (as some servers do; RFC 2920 section 3.1). */
        public Builder dataWithoutRecipients() { this.dataWithoutRecipients = true; return this; }

        /** Accept at most this many RCPTs per transaction; the next get {@code 452 4.5.3}. */
        public Builder maxRecipientsPerTransaction(int n) { this.maxRecipients = n; return this; }

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
    private final SMTPServer server;
    private final CountDownLatch closed = new CountDownLatch(1);
    private final CountDownLatch released = new CountDownLatch(1);
    private final AtomicInteger connections = new AtomicInteger();
    private final Map<Session, Integer> sessionIds = new ConcurrentHashMap<>();
    private final List<CommandLine> commands = new CopyOnWriteArrayList<>();
    private final List<Received> messages = new CopyOnWriteArrayList<>();
    private final Map<String, AtomicInteger> rcptSeen = new ConcurrentHashMap<>();

    private FakeUpstream(Builder script) {
        this.script = script;
        SMTPServer.Builder b = SMTPServer.port(0)
                .bindAddress(InetAddress.getLoopbackAddress())
                .hostName(script.greetingName)
                .softwareName("FakeUpstream")
                .connectionTimeout(10, TimeUnit.SECONDS)
                .messageHandlerFactory(Transaction::new)
                .sessionHandler(new Sessions());
        if (script.tls != null) b.enableTLS(true).startTlsSocketFactory(script.tls);
        if (script.loginUser != null) {
            b.authenticationHandlerFactory(new org.subethamail.smtp.auth.EasyAuthenticationHandlerFactory((user, password, context) -> {
                if (!script.loginUser.equals(user) || !script.loginPassword.equals(password)) {
                    throw new org.subethamail.smtp.auth.LoginFailedException("535 5.7.8 Authentication credentials invalid");
                }
            }));
        }
        server = b.build();
        CommandHandler handler = server.getCommandHandler();
        handler.addCommand(new Ehlo());
        handler.addCommand(new Helo());
        handler.addCommand(new Mail());
        handler.addCommand(new Rcpt());
        handler.addCommand(new Data());
        if (script.brokenTls) handler.addCommand(new BrokenStartTls());
        for (String verb : List.copyOf(handler.getVerbs())) handler.addCommand(new Recording(handler.getCommand(verb)));
        server.start();
    }

    public int port() {
        return server.getPortAllocated();
    }

    public InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), port());
    }

    /** This server as a delivery target named {@code hostName}. */
    public Target target(String hostName) {
        return new Target(hostName, address());
    }

    public Target target() {
        return target("localhost");
    }

    /** Every command line received, from every connection, in order. */
    public List<CommandLine> commands() {
        return List.copyOf(commands);
    }

    /** Just the lines of {@link #commands()}. */
    public List<String> commandLines() {
        return commands.stream().map(CommandLine::line).toList();
    }

    /** The commands with this verb ({@code MAIL}, {@code RCPT}, {@code DATA}, ...). */
    public List<CommandLine> commands(String verb) {
        return commands.stream().filter(c -> c.verb().equals(verb)).toList();
    }

    /** Every message received with DATA, in order. */
    public List<Received> messages() {
        return List.copyOf(messages);
    }

    /** Connections accepted so far. */
    public int connections() {
        return connections.get();
    }

    private String scriptedRcptReply(String address) {
        List<String> replies = script.rcptReplies.get(address);
        if (replies == null) return null;
        int n = rcptSeen.computeIfAbsent(address, a -> new AtomicInteger()).getAndIncrement();
        return replies.get(Math.min(n, replies.size() - 1));
    }

    /** Let every held reply (and every later one) go; see {@link Builder#holdRepliesAfter}. */
    public void releaseHeld() {
        released.countDown();
    }

    @Override
    public void close() {
        released.countDown();
        closed.countDown();
        server.stop();
    }

    // ---- the script at work -------------------------------------------------------------

    private void pause(Stage stage) {
        Duration d = script.delays.get(stage);
        if (d == null) return;
        try {
            closed.await(d.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void holdIfPastTheGate() {
        if (script.answerBeforeHold < 0 || messages.size() <= script.answerBeforeHold) return;
        try {
            released.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void respond(Session sess, String reply) throws IOException {
        sess.sendResponse(reply);
        if (reply.startsWith("421")) sess.quit();
    }

    private static boolean positive(String reply) {
        return reply.startsWith("2");
    }

    private int id(Session sess) {
        return sessionIds.getOrDefault(sess, 0);
    }

    /** {@code FROM:<a@b> SIZE=1} → {@code a@b}; the parameters stay in the recorded line. */
    private static String address(String args) {
        int lt = args.indexOf('<');
        int gt = args.indexOf('>', lt + 1);
        if (lt < 0 || gt < 0) return null;
        return args.substring(lt + 1, gt);
    }

    /** The state of one mail transaction, kept by SubEtha as the session's message handler. */
    private static final class Transaction implements MessageHandler {
        String mailLine;
        String sender;
        final List<String> rcptLines = new ArrayList<>();
        final List<String> recipients = new ArrayList<>();

        Transaction(MessageContext context) {}

        @Override public void from(String from) {}

        @Override public void recipient(String recipient) {}

        @Override public String data(InputStream data) { return null; }

        @Override public void done() {}
    }

    private final class Sessions implements SessionHandler {
        @Override
        public SessionAcceptance accept(Session session) {
            sessionIds.put(session, connections.incrementAndGet());
            pause(Stage.CONNECT);
            if (script.greeting != null) {
                return SessionAcceptance.failure(Integer.parseInt(script.greeting.substring(0, 3)),
                        script.greeting.length() > 4 ? script.greeting.substring(4) : "");
            }
            return SessionAcceptance.success();
        }

        @Override
        public void onSessionEnd(Session session) {}
    }

    private final class Recording implements Command {
        private final Command inner;

        Recording(Command inner) {
            this.inner = inner;
        }

        @Override
        public void execute(String line, Session sess) throws IOException, DropConnectionException {
            commands.add(new CommandLine(id(sess), line, sess.isTLSStarted(), sess.getRawInput().available() > 0));
            inner.execute(line, sess);
        }

        @Override
        public HelpMessage getHelp() throws CommandException {
            return inner.getHelp();
        }

        @Override
        public String getName() {
            return inner.getName();
        }
    }

    private final class Ehlo extends BaseCommand {
        Ehlo() { super("EHLO", "Introduce yourself.", "<hostname>"); }

        @Override
        public void execute(String line, Session sess) throws IOException {
            String[] args = getArgs(line);
            if (args.length < 2) {
                sess.sendResponse("501 5.5.4 Syntax: EHLO hostname");
                return;
            }
            pause(Stage.EHLO);
            if (script.drops.contains(Stage.EHLO)) {
                sess.quit();
                return;
            }
            if (script.ehloReply != null) {
                respond(sess, script.ehloReply);
                return;
            }
            sess.resetMailTransaction();
            sess.setHelo(args[1]);
            List<String> lines = new ArrayList<>();
            lines.add(script.ehloName + " greets " + args[1]);
            if (script.eightBitMime) lines.add("8BITMIME");
            if (script.size == 0) lines.add("SIZE");
            else if (script.size > 0) lines.add("SIZE " + script.size);
            if (script.pipelining) lines.add("PIPELINING");
            if (script.dsn) lines.add("DSN");
            if ((script.tls != null || script.brokenTls) && !sess.isTLSStarted()) lines.add("STARTTLS");
            if (script.loginUser != null) lines.add("AUTH PLAIN LOGIN");
            lines.add("ENHANCEDSTATUSCODES");
            StringBuilder reply = new StringBuilder();
            for (int i = 0; i < lines.size(); i++) {
                if (i > 0) reply.append("\r\n");
                reply.append(i == lines.size() - 1 ? "250 " : "250-").append(lines.get(i));
            }
            sess.sendResponse(reply.toString());
        }
    }

    private final class Helo extends BaseCommand {
        Helo() { super("HELO", "Introduce yourself.", "<hostname>"); }

        @Override
        public void execute(String line, Session sess) throws IOException {
            String[] args = getArgs(line);
            if (args.length < 2) {
                sess.sendResponse("501 5.5.4 Syntax: HELO hostname");
                return;
            }
            if (script.heloReply != null) {
                respond(sess, script.heloReply);
                return;
            }
            sess.resetMailTransaction();
            sess.setHelo(args[1]);
            sess.sendResponse("250 " + script.ehloName);
        }
    }

    private final class Mail extends BaseCommand {
        Mail() { super("MAIL", "Specifies the sender.", "FROM: <sender> [ <parameters> ]"); }

        @Override
        public void execute(String line, Session sess) throws IOException {
            if (sess.isMailTransactionInProgress()) {
                sess.sendResponse("503 5.5.1 Error: nested MAIL command");
                return;
            }
            String args = getArgPredicate(line);
            String sender = args.toUpperCase(Locale.ROOT).startsWith("FROM:") ? address(args) : null;
            if (sender == null) {
                sess.sendResponse("501 5.5.4 Syntax: MAIL FROM:<address>");
                return;
            }
            pause(Stage.MAIL);
            if (script.drops.contains(Stage.MAIL)) {
                sess.quit();
                return;
            }
            if (script.mailReply != null && !positive(script.mailReply)) {
                respond(sess, script.mailReply);
                return;
            }
            sess.startMailTransaction();
            Transaction tx = (Transaction) sess.getMessageHandler();
            tx.mailLine = line;
            tx.sender = sender;
            respond(sess, script.mailReply != null ? script.mailReply : "250 2.1.0 Ok");
        }
    }

    private final class Rcpt extends BaseCommand {
        Rcpt() { super("RCPT", "Specifies the recipient.", "TO: <recipient> [ <parameters> ]"); }

        @Override
        public void execute(String line, Session sess) throws IOException {
            if (!sess.isMailTransactionInProgress()) {
                sess.sendResponse("503 5.5.1 Error: need MAIL command");
                return;
            }
            String args = getArgPredicate(line);
            String rcpt = args.toUpperCase(Locale.ROOT).startsWith("TO:") ? address(args) : null;
            if (rcpt == null || rcpt.isEmpty()) {
                sess.sendResponse("501 5.5.4 Syntax: RCPT TO:<address>");
                return;
            }
            pause(Stage.RCPT);
            if (script.drops.contains(Stage.RCPT)) {
                sess.quit();
                return;
            }
            Transaction tx = (Transaction) sess.getMessageHandler();
            if (script.maxRecipients > 0 && tx.recipients.size() >= script.maxRecipients) {
                respond(sess, "452 4.5.3 Error: too many recipients");
                return;
            }
            String scripted = scriptedRcptReply(rcpt.toLowerCase(Locale.ROOT));
            if (scripted != null && !positive(scripted)) {
                respond(sess, scripted);
                return;
            }
            tx.recipients.add(rcpt);
            tx.rcptLines.add(line);
            sess.addRecipient(rcpt);
            respond(sess, scripted != null ? scripted : "250 2.1.5 Ok");
        }
    }

    private final class Data extends BaseCommand {
        Data() { super("DATA", "Following text is collected as the message."); }

        @Override
        public void execute(String line, Session sess) throws IOException {
            if (!sess.isMailTransactionInProgress()) {
                sess.sendResponse("503 5.5.1 Error: need MAIL command");
                return;
            }
            Transaction tx = (Transaction) sess.getMessageHandler();
            if (tx.recipients.isEmpty() && !script.dataWithoutRecipients) {
                sess.sendResponse("554 5.5.1 Error: no valid recipients");
                return;
            }
            if (script.dataReply != null) {
                respond(sess, script.dataReply);
                return;
            }
            sess.sendResponse("354 End data with <CR><LF>.<CR><LF>");
            InputStream in = sess.getRawInput();
            if (script.drops.contains(Stage.DATA)) {
                readLine(in);
                sess.quit();
                return;
            }
            byte[] wire = readDotTerminated(in);
            messages.add(new Received(id(sess), sess.isTLSStarted(), tx.mailLine, tx.sender,
                    List.copyOf(tx.rcptLines), List.copyOf(tx.recipients), unstuff(wire), wire, script.dotReply));
            pause(Stage.DATA);
            holdIfPastTheGate();
            sess.resetMailTransaction();
            respond(sess, script.dotReply);
        }
    }

    private final class BrokenStartTls extends BaseCommand {
        BrokenStartTls() { super("STARTTLS", "Starts TLS, or pretends to."); }

        @Override
        public void execute(String line, Session sess) throws IOException {
            if (script.startTlsReply != null) {
                respond(sess, script.startTlsReply);
                return;
            }
            sess.sendResponse("220 2.0.0 Ready to start TLS");
            if (sess.getRawInput().read() < 0) return; // wait for the ClientHello, so the handshake itself fails
            OutputStream out = sess.getSocket().getOutputStream();
            out.write("this is not a TLS handshake\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            sess.quit();
        }
    }

    // ---- DATA on the wire ---------------------------------------------------------------

    private static byte[] readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int prev = -1;
        while (true) {
            int b = in.read();
            if (b < 0) throw new EOFException("connection closed in DATA");
            line.write(b);
            if (prev == '\r' && b == '\n') return line.toByteArray();
            prev = b;
        }
    }

    /** Reads CRLF lines up to and including the {@code .CRLF} line, exactly as sent. */
    private static byte[] readDotTerminated(InputStream in) throws IOException {
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        while (true) {
            byte[] line = readLine(in);
            wire.write(line);
            if (line.length == 3 && line[0] == '.') return wire.toByteArray();
        }
    }

    /** RFC 5321 section 4.5.2, receiver side: drop the first dot of every line that has one; drop the {@code .CRLF} line. */
    static byte[] unstuff(byte[] wire) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(wire.length);
        int end = wire.length - 3; // without the final .CRLF
        boolean lineStart = true;
        for (int i = 0; i < end; i++) {
            byte b = wire[i];
            if (!(lineStart && b == '.')) out.write(b);
            lineStart = b == '\n' && i > 0 && wire[i - 1] == '\r';
        }
        return out.toByteArray();
    }
}
