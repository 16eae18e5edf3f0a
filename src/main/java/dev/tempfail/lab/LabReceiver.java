package dev.tempfail.lab;

import dev.tempfail.config.HostPort;
import org.subethamail.smtp.DropConnectionException;
import org.subethamail.smtp.MessageContext;
import org.subethamail.smtp.MessageHandler;
import org.subethamail.smtp.auth.EasyAuthenticationHandlerFactory;
import org.subethamail.smtp.auth.LoginFailedException;
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
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The scripted receiving SMTP server, on SubEtha SMTP: the retry lab's fake receiving MTA and
 * the tests' fake next hop. It answers each stage as its {@link Answers} say (the lab's:
 * {@link ScriptedReplies}), keeps every message it reads ({@link ReceivedMessage}) and logs every
 * command and reply ({@link ReceiverLog}), all timed on the given clock.
 *
 * <p>By default it advertises PIPELINING, 8BITMIME, SIZE and ENHANCEDSTATUSCODES; the
 * {@link Builder} changes what it offers (DSN, SMTPUTF8, STARTTLS real or broken, AUTH) and how
 * strict it is. A reply with code 421 closes the connection after it is sent, as real servers do.
 * A delay is real time (it is there to try the sender's socket timeouts) and ends early when the
 * receiver closes.
 */
public final class LabReceiver implements AutoCloseable {
    /** Larger messages are read to their end and refused with 552 5.3.4. */
    static final int MAX_MESSAGE = 50 * 1024 * 1024;
    static final String HOSTNAME = "lab.receiver";

    private final Builder offer;
    private final Answers answers;
    private final Clock clock;
    private final ReceiverLog log;
    private final SMTPServer server;
    private final CountDownLatch closed = new CountDownLatch(1);
    private final AtomicInteger sessions = new AtomicInteger();
    private final AtomicInteger open = new AtomicInteger();
    /** The sessions {@link #open} counts. */
    private final Set<Session> counted = ConcurrentHashMap.newKeySet();
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger numbers = new AtomicInteger();
    private final Map<Session, LoggedSocket> sockets = new ConcurrentHashMap<>();
    private final List<ReceivedMessage> received = new CopyOnWriteArrayList<>();
    private final List<Consumer<ReceivedMessage>> listeners = new CopyOnWriteArrayList<>();

    /** What the receiver offers and how it is reached; {@link #start()} starts it. */
    public static final class Builder {
        private HostPort listen = new HostPort("127.0.0.1", 0);
        private Answers answers;
        private Clock clock = Clock.systemUTC();
        private ReceiverLog log = new ReceiverLog();
        private Duration idleTimeout = Duration.ofMinutes(5);
        private String greetingName = HOSTNAME;
        private String ehloName = HOSTNAME;
        private String softwareName = "tempfail lab receiver";
        private boolean pipelining = true;
        private boolean eightBitMime = true;
        private long size = MAX_MESSAGE;
        private boolean dsn;
        private boolean smtpUtf8;
        private SSLContext startTls;
        private boolean brokenStartTls;
        private String startTlsReply;
        private String loginUser;
        private String loginPassword;
        private int maxRecipients;
        private boolean dataWithoutRecipients;

        private Builder() {}

        /** Where to listen (port 0: any free port; the default, on 127.0.0.1). */
        public Builder listen(HostPort where) { this.listen = where; return this; }

        public Builder answers(Answers a) { this.answers = a; return this; }

        /** Answer by {@code script}, timed on {@code scriptClock} (also the log's and the messages' clock). */
        public Builder script(LabScript script, Clock scriptClock) {
            this.clock = scriptClock;
            return answers(new ScriptedReplies(script, scriptClock));
        }

        public Builder log(ReceiverLog l) { this.log = l; return this; }

        /** Close a connection idle this long (default 5 minutes). */
        public Builder idleTimeout(Duration d) { this.idleTimeout = d; return this; }

        /** The name in the 220 greeting (default {@code lab.receiver}). */
        public Builder greetingName(String name) { this.greetingName = name; return this; }

        /** The name in the 220 greeting after the host name. */
        public Builder softwareName(String name) { this.softwareName = name; return this; }

        /** The name in the first line of the EHLO reply and in the HELO reply (default {@code lab.receiver}). */
        public Builder ehloName(String name) { this.ehloName = name; return this; }

        /** Advertise PIPELINING (RFC 2920; on by default). */
        public Builder pipelining(boolean on) { this.pipelining = on; return this; }

        /** Advertise 8BITMIME (on by default). */
        public Builder eightBitMime(boolean on) { this.eightBitMime = on; return this; }

        /** Advertise {@code SIZE n} ({@code SIZE} alone for 0, nothing for a negative n; default 50 MiB). */
        public Builder size(long limit) { this.size = limit; return this; }

        /** Advertise DSN (RFC 3461). */
        public Builder dsn(boolean on) { this.dsn = on; return this; }

        /** Advertise SMTPUTF8 (RFC 6531). */
        public Builder smtpUtf8(boolean on) { this.smtpUtf8 = on; return this; }

        /** Offer STARTTLS and do it for real with this server context. */
        public Builder startTls(SSLContext serverContext) { this.startTls = serverContext; return this; }

        /** Offer STARTTLS, answer 220, then answer the ClientHello with garbage and hang up. */
        public Builder brokenStartTls() { this.brokenStartTls = true; return this; }

        /** Offer STARTTLS and answer it with this (e.g. {@code "454 4.7.0 TLS not available"}). */
        public Builder startTlsReply(String reply) { this.brokenStartTls = true; this.startTlsReply = reply; return this; }

        /** Offer AUTH PLAIN LOGIN and accept exactly this user and password. */
        public Builder login(String user, String password) { this.loginUser = user; this.loginPassword = password; return this; }

        /** Accept at most this many RCPTs per transaction; the next get {@code 452 4.5.3}. */
        public Builder maxRecipientsPerTransaction(int n) { this.maxRecipients = n; return this; }

        /** Say 354 to DATA even when no RCPT was accepted (as some servers do; RFC 2920 section 3.1). */
        public Builder dataWithoutRecipients() { this.dataWithoutRecipients = true; return this; }

        public LabReceiver start() {
            LabReceiver r = new LabReceiver(this);
            r.server.start();
            return r;
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Starts a receiver on {@code listen} (port 0: any free port) answering by {@code script}, timed on {@code clock}. */
    public static LabReceiver start(HostPort listen, LabScript script, Clock clock) {
        return builder().listen(listen).script(script, clock).start();
    }

    private LabReceiver(Builder offer) {
        this.offer = offer;
        this.answers = offer.answers;
        this.clock = offer.clock;
        this.log = offer.log;
        SMTPServer.Builder b = SMTPServer.port(offer.listen.port())
                .bindAddress(bindAddress(offer.listen.host()))
                .hostName(offer.greetingName)
                .softwareName(offer.softwareName)
                .connectionTimeoutMs((int) Math.min(Integer.MAX_VALUE, offer.idleTimeout.toMillis()))
                .messageHandlerFactory(Transaction::new)
                .sessionHandler(new Sessions())
                .serverSocketFactory(this::serverSocket)
                .serverThreadName("lab-receiver");
        if (offer.startTls != null) b.enableTLS(true).startTlsSocketFactory(offer.startTls);
        if (offer.loginUser != null) {
            b.authenticationHandlerFactory(new EasyAuthenticationHandlerFactory((user, password, context) -> {
                if (!offer.loginUser.equals(user) || !offer.loginPassword.equals(password)) {
                    throw new LoginFailedException("535 5.7.8 Authentication credentials invalid");
                }
            }));
        }
        server = b.build();
        CommandHandler handler = server.getCommandHandler();
        handler.addCommand(new Ehlo("EHLO"));
        handler.addCommand(new Ehlo("HELO"));
        handler.addCommand(new Mail());
        handler.addCommand(new Rcpt());
        handler.addCommand(new Data());
        if (offer.brokenStartTls) handler.addCommand(new BrokenStartTls());
        for (String verb : List.copyOf(handler.getVerbs())) handler.addCommand(new Logged(handler.getCommand(verb)));
    }

    public int port() {
        return server.getPortAllocated();
    }

    public InetSocketAddress address() {
        return new InetSocketAddress(server.getBindAddress().orElse(InetAddress.getLoopbackAddress()), port());
    }

    public ReceiverLog log() {
        return log;
    }

    /** Every message accepted so far, in order. */
    public List<ReceivedMessage> messages() {
        return received.stream().filter(m -> m.number() > 0).toList();
    }

    /** Every message read to its final dot so far, in order, whatever it was answered (if yet). */
    public List<ReceivedMessage> received() {
        return List.copyOf(received);
    }

    /** Connections accepted so far. */
    public int connections() {
        return connections.get();
    }

    /** {@code listener} sees each message as it is accepted. */
    public void onMessage(Consumer<ReceivedMessage> listener) {
        listeners.add(listener);
    }

    @Override
    public void close() {
        closed.countDown();
        server.stop();
    }

    private static InetAddress bindAddress(String host) {
        try {
            return InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("cannot resolve listen address " + host, e);
        }
    }

    // ---- the conversation ----------------------------------------------------------------

    /** Waits out an answer's delay; false if it says to hang up instead of answering (then it has). */
    private boolean await(Answers.Answer a, Session sess) {
        if (!a.delay().isZero()) {
            try {
                closed.await(a.delay().toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (a.hangUp() && sess != null) sess.quit();
        return !a.hangUp();
    }

    /** Waits out {@code a}; true if the command ends there: hung up, or refused with the answer's reply. */
    private boolean ended(Answers.Answer a, Session sess) throws IOException {
        if (!await(a, sess)) return true;
        if (a.passes()) return false;
        respond(sess, a.reply());
        return true;
    }

    /** Sends a (possibly multi-line) reply; 421 closes the connection. */
    private static void respond(Session sess, String reply) throws IOException {
        sess.sendResponse(wire(reply));
        if (reply.startsWith("421")) sess.quit();
    }

    /** {@code "451 a\n451 b"} → {@code "451-a\r\n451 b"}. */
    static String wire(String reply) {
        String[] lines = reply.split("\n");
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < lines.length; i++) {
            String l = lines[i];
            if (i > 0) b.append("\r\n");
            b.append(l, 0, 3).append(i == lines.length - 1 ? ' ' : '-').append(l.length() > 4 ? l.substring(4) : "");
        }
        return b.toString();
    }

    private static String client(Session sess) {
        return sess.getSocket().getInetAddress().getHostAddress();
    }

    private int id(Session sess) {
        LoggedSocket s = sockets.get(sess);
        return s == null ? 0 : s.id;
    }

    /** {@code FROM:<a@b> SIZE=1} → {@code a@b}; null if there are no angle brackets. */
    private static String path(String args) {
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
            connections.incrementAndGet();
            if (session.getSocket() instanceof LoggedSocket s) sockets.put(session, s);
            int id = id(session);
            log.add(clock.instant(), id, '*', "connection from " + client(session));
            Answers.Answer a = answers.connect(client(session), open.get());
            await(a, null);
            if (!a.passes() || a.hangUp()) {
                String w = wire(a.reply() != null ? a.reply() : "421 4.3.2 Closing");
                return SessionAcceptance.failure(Integer.parseInt(w.substring(0, 3)), w.length() > 4 ? w.substring(4) : "");
            }
            counted.add(session);
            open.incrementAndGet();
            return SessionAcceptance.success();
        }

        @Override
        public void onSessionEnd(Session session) {
            sockets.remove(session);
            // SubEtha ends refused sessions too: only one that was counted as open may be taken off
            if (counted.remove(session)) open.decrementAndGet();
        }
    }

    /** Logs each command line before running it. */
    private final class Logged implements Command {
        private final Command inner;

        Logged(Command inner) {
            this.inner = inner;
        }

        @Override
        public void execute(String line, Session sess) throws IOException, DropConnectionException {
            log.add(clock.instant(), id(sess), '>', line, sess.isTLSStarted(), sess.getRawInput().available() > 0);
            LoggedSocket s = sockets.get(sess);
            if (s != null && getName().equals("STARTTLS")) s.startingTls = true;
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
        Ehlo(String verb) {
            super(verb, "Introduce yourself.", "<hostname>");
        }

        @Override
        public void execute(String line, Session sess) throws IOException {
            String[] args = getArgs(line);
            if (args.length < 2) {
                sess.sendResponse("501 5.5.4 Syntax: " + getName() + " hostname");
                return;
            }
            boolean helo = getName().equals("HELO");
            Answers.Answer a = helo ? answers.helo(client(sess)) : answers.ehlo(client(sess));
            if (ended(a, sess)) return;
            sess.resetMailTransaction();
            sess.setHelo(args[1]);
            if (helo) {
                sess.sendResponse("250 " + offer.ehloName);
                return;
            }
            List<String> lines = new ArrayList<>();
            lines.add(offer.ehloName + " greets " + args[1]);
            if (offer.pipelining) lines.add("PIPELINING");
            if (offer.eightBitMime) lines.add("8BITMIME");
            if (offer.size >= 0) lines.add(offer.size == 0 ? "SIZE" : "SIZE " + offer.size);
            if (offer.dsn) lines.add("DSN");
            if (offer.smtpUtf8) lines.add("SMTPUTF8");
            if ((offer.startTls != null || offer.brokenStartTls) && !sess.isTLSStarted()) lines.add("STARTTLS");
            if (offer.loginUser != null) lines.add("AUTH PLAIN LOGIN");
            lines.add("ENHANCEDSTATUSCODES");
            sess.sendResponse(wire(String.join("\n", lines.stream().map(l -> "250 " + l).toList())));
        }
    }

    private final class Mail extends BaseCommand {
        Mail() {
            super("MAIL", "Specifies the sender.", "FROM: <sender> [ <parameters> ]");
        }

        @Override
        public void execute(String line, Session sess) throws IOException {
            if (sess.getHelo().isEmpty()) {
                sess.sendResponse("503 5.5.1 Error: send EHLO first");
                return;
            }
            if (sess.isMailTransactionInProgress()) {
                sess.sendResponse("503 5.5.1 Error: nested MAIL command");
                return;
            }
            String args = getArgPredicate(line);
            String sender = args.toUpperCase(Locale.ROOT).startsWith("FROM:") ? path(args) : null;
            if (sender == null) {
                sess.sendResponse("501 5.5.4 Syntax: MAIL FROM:<address>");
                return;
            }
            Answers.Answer a = answers.mail(client(sess), sender);
            if (ended(a, sess)) return;
            sess.startMailTransaction();
            Transaction tx = (Transaction) sess.getMessageHandler();
            tx.mailLine = line;
            tx.sender = sender;
            respond(sess, a.reply() != null ? a.reply() : "250 2.1.0 Ok");
        }
    }

    private final class Rcpt extends BaseCommand {
        Rcpt() {
            super("RCPT", "Specifies the recipient.", "TO: <recipient> [ <parameters> ]");
        }

        @Override
        public void execute(String line, Session sess) throws IOException {
            if (!sess.isMailTransactionInProgress()) {
                sess.sendResponse("503 5.5.1 Error: need MAIL command");
                return;
            }
            String args = getArgPredicate(line);
            String rcpt = args.toUpperCase(Locale.ROOT).startsWith("TO:") ? path(args) : null;
            if (rcpt == null || rcpt.isEmpty()) {
                sess.sendResponse("501 5.5.4 Syntax: RCPT TO:<address>");
                return;
            }
            Transaction tx = (Transaction) sess.getMessageHandler();
            if (offer.maxRecipients > 0 && tx.recipients.size() >= offer.maxRecipients) {
                respond(sess, "452 4.5.3 Error: too many recipients");
                return;
            }
            Answers.Answer a = answers.rcpt(client(sess), tx.sender, rcpt);
            if (ended(a, sess)) return;
            tx.recipients.add(rcpt);
            tx.rcptLines.add(line);
            sess.addRecipient(rcpt);
            respond(sess, a.reply() != null ? a.reply() : "250 2.1.5 Ok");
        }
    }

    private final class Data extends BaseCommand {
        Data() {
            super("DATA", "Following text is collected as the message.");
        }

        @Override
        public void execute(String line, Session sess) throws IOException {
            if (!sess.isMailTransactionInProgress()) {
                sess.sendResponse("503 5.5.1 Error: need MAIL command");
                return;
            }
            Transaction tx = (Transaction) sess.getMessageHandler();
            if (tx.recipients.isEmpty() && !offer.dataWithoutRecipients) {
                sess.sendResponse("554 5.5.1 Error: no valid recipients");
                return;
            }
            Answers.Answer command = answers.dataCommand(client(sess), tx.sender, tx.recipients);
            if (!command.passes()) {
                if (await(command, sess)) respond(sess, command.reply());
                return;
            }
            sess.sendResponse("354 End data with <CR><LF>.<CR><LF>");
            if (command.hangUp()) {
                readLine(sess.getRawInput());
                sess.quit();
                return;
            }
            byte[] wire = readMessage(sess.getRawInput());
            int id = id(sess);
            if (wire == null) {
                log.add(clock.instant(), id, '*', "message over " + MAX_MESSAGE + " bytes");
                sess.resetMailTransaction();
                sess.sendResponse("552 5.3.4 Error: message too large");
                return;
            }
            ReceivedMessage m = new ReceivedMessage(0, clock.instant(), id, client(sess), sess.getHelo().orElse(""),
                    sess.isTLSStarted(), tx.mailLine, tx.sender, tx.rcptLines, tx.recipients, wire, null);
            log.add(clock.instant(), id, '*', "message of " + m.content().length + " bytes");
            int index;
            synchronized (received) {
                received.add(m);
                index = received.size() - 1;
            }
            Answers.Answer a = answers.data(client(sess), tx.sender, tx.recipients);
            sess.resetMailTransaction();
            if (!await(a, sess)) return;
            if (!a.passes()) {
                received.set(index, m.answered(0, a.reply()));
                respond(sess, a.reply());
                return;
            }
            int number = numbers.incrementAndGet();
            ReceivedMessage accepted = m.answered(number, a.reply() != null ? a.reply() : "250 2.0.0 Ok: queued as " + number);
            received.set(index, accepted);
            for (Consumer<ReceivedMessage> l : listeners) l.accept(accepted);
            respond(sess, accepted.reply());
        }
    }

    /** STARTTLS offered but not done: refused with the given reply, or a 220 and then garbage for a handshake. */
    private final class BrokenStartTls extends BaseCommand {
        BrokenStartTls() {
            super("STARTTLS", "Starts TLS, or pretends to.");
        }

        @Override
        public void execute(String line, Session sess) throws IOException {
            if (offer.startTlsReply != null) {
                respond(sess, offer.startTlsReply);
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

    // ---- DATA on the wire ------------------------------------------------------------------

    private static byte[] readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(1024);
        int prev = -1;
        while (true) {
            int b = in.read();
            if (b < 0) throw new EOFException("connection closed in DATA");
            line.write(b);
            if (prev == '\r' && b == '\n') return line.toByteArray();
            prev = b;
        }
    }

    /**
     * Reads CRLF lines up to and including the {@code .CRLF} line and returns them exactly as
     * sent; null (after reading to the end) if they are over {@link #MAX_MESSAGE}.
     */
    static byte[] readMessage(InputStream in) throws IOException {
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        boolean tooLarge = false;
        while (true) {
            byte[] l = readLine(in);
            if (!tooLarge) wire.write(l);
            if (l.length == 3 && l[0] == '.') return tooLarge ? null : wire.toByteArray();
            if (!tooLarge && wire.size() > MAX_MESSAGE) {
                tooLarge = true;
                wire = new ByteArrayOutputStream();
            }
        }
    }

    // ---- logging the replies as they leave -------------------------------------------------

    /** Every reply line SubEtha or we write goes to the log: a socket whose output is read line by line. */
    private ServerSocket serverSocket() throws IOException {
        return new ServerSocket() {
            @Override
            public Socket accept() throws IOException {
                Socket s = new LoggedSocket(sessions.incrementAndGet());
                implAccept(s);
                s.setTcpNoDelay(true); // each reply is one write: no Nagle wait on a lab clock that races
                return s;
            }
        };
    }

    private final class LoggedSocket extends Socket {
        final int id;
        /** STARTTLS was asked for: after its 220 the bytes are TLS records, not reply lines. */
        volatile boolean startingTls;
        private OutputStream out;

        LoggedSocket(int id) {
            this.id = id;
        }

        @Override
        public synchronized OutputStream getOutputStream() throws IOException {
            if (out == null) out = new ReplyLines(super.getOutputStream(), this);
            return out;
        }

        @Override
        public synchronized void close() throws IOException {
            if (!isClosed()) log.add(clock.instant(), id, '*', "closed");
            super.close();
        }
    }

    private final class ReplyLines extends FilterOutputStream {
        private final ByteArrayOutputStream line = new ByteArrayOutputStream(256);
        private final LoggedSocket socket;
        private boolean encrypted;

        ReplyLines(OutputStream out, LoggedSocket socket) {
            super(out);
            this.socket = socket;
        }

        @Override
        public void write(int b) throws IOException {
            see(b);
            out.write(b);
        }

        /** Logged before it is sent, so that whoever reads the reply finds it in the log already. */
        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            for (int i = off; i < off + len; i++) see(b[i]);
            out.write(b, off, len);
        }

        private void see(int b) {
            if (encrypted) return;
            if (b == '\n') {
                String text = line.toString(StandardCharsets.UTF_8);
                line.reset();
                log.add(clock.instant(), socket.id, '<', text.endsWith("\r") ? text.substring(0, text.length() - 1) : text);
                if (socket.startingTls && text.startsWith("220")) encrypted = true;
            } else if (line.size() < 4096) {
                line.write(b);
            }
        }
    }
}
