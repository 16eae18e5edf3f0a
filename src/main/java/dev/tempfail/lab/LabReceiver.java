package dev.tempfail.lab;

import dev.tempfail.config.HostPort;
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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The retry lab's fake receiving MTA, on SubEtha SMTP: it answers each stage as its script
 * says ({@link ScriptedReplies}), keeps every message it accepts ({@link AcceptedMessage}) and
 * logs every command and reply ({@link ReceiverLog}), all timed on the lab clock.
 *
 * <p>It advertises PIPELINING, 8BITMIME, SIZE and ENHANCEDSTATUSCODES. A reply with code 421
 * closes the connection after it is sent, as real servers do. A scripted delay is real time
 * (it is there to try the sender's socket timeouts) and ends early when the receiver closes.
 */
public final class LabReceiver implements AutoCloseable {
    /** Larger messages are read to their end and refused with 552 5.3.4. */
    static final int MAX_MESSAGE = 50 * 1024 * 1024;
    static final String HOSTNAME = "lab.receiver";

    private final ScriptedReplies replies;
    private final Clock clock;
    private final ReceiverLog log;
    private final SMTPServer server;
    private final CountDownLatch closed = new CountDownLatch(1);
    private final AtomicInteger sessions = new AtomicInteger();
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicInteger numbers = new AtomicInteger();
    private final List<AcceptedMessage> messages = new CopyOnWriteArrayList<>();
    private final List<Consumer<AcceptedMessage>> listeners = new CopyOnWriteArrayList<>();

    private LabReceiver(HostPort listen, ScriptedReplies replies, Clock clock, ReceiverLog log, Duration idleTimeout) {
        this.replies = replies;
        this.clock = clock;
        this.log = log;
        this.server = SMTPServer.port(listen.port())
                .bindAddress(bindAddress(listen.host()))
                .hostName(HOSTNAME)
                .softwareName("tempfail lab receiver")
                .connectionTimeoutMs((int) Math.min(Integer.MAX_VALUE, idleTimeout.toMillis()))
                .messageHandlerFactory(Transaction::new)
                .sessionHandler(new Sessions())
                .serverSocketFactory(this::serverSocket)
                .serverThreadName("lab-receiver")
                .build();
        CommandHandler handler = server.getCommandHandler();
        handler.addCommand(new Ehlo("EHLO"));
        handler.addCommand(new Ehlo("HELO"));
        handler.addCommand(new Mail());
        handler.addCommand(new Rcpt());
        handler.addCommand(new Data());
        for (String verb : List.copyOf(handler.getVerbs())) handler.addCommand(new Logged(handler.getCommand(verb)));
    }

    /** Starts a receiver on {@code listen} (port 0: any free port) answering by {@code script}, timed on {@code clock}. */
    public static LabReceiver start(HostPort listen, LabScript script, Clock clock) {
        return start(listen, script, clock, new ReceiverLog(), Duration.ofMinutes(5));
    }

    public static LabReceiver start(HostPort listen, LabScript script, Clock clock, ReceiverLog log, Duration idleTimeout) {
        LabReceiver r = new LabReceiver(listen, new ScriptedReplies(script, clock), clock, log, idleTimeout);
        r.server.start();
        return r;
    }

    public int port() {
        return server.getPortAllocated();
    }

    public InetSocketAddress address() {
        return new InetSocketAddress(server.getBindAddress().orElse(InetAddress.getLoopbackAddress()), port());
    }

    public LabScript script() {
        return replies.script();
    }

    public ReceiverLog log() {
        return log;
    }

    /** Every message accepted so far, in order. */
    public List<AcceptedMessage> messages() {
        return List.copyOf(messages);
    }

    /** {@code listener} sees each message as it is accepted. */
    public void onMessage(Consumer<AcceptedMessage> listener) {
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

    private void pause(Duration d) {
        if (d.isZero()) return;
        try {
            closed.await(d.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
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

    private static int id(Session sess) {
        return sess.getSocket() instanceof LoggedSocket s ? s.id : 0;
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
        String sender;
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
            int id = id(session);
            log.add(clock.instant(), id, '*', "connection from " + client(session));
            ScriptedReplies.Answer a = replies.connect(client(session), open.get());
            pause(a.delay());
            if (!a.passes()) {
                String w = wire(a.reply());
                return SessionAcceptance.failure(Integer.parseInt(w.substring(0, 3)), w.length() > 4 ? w.substring(4) : "");
            }
            open.incrementAndGet();
            return SessionAcceptance.success();
        }

        @Override
        public void onSessionEnd(Session session) {
            open.decrementAndGet();
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
            log.add(clock.instant(), id(sess), '>', line);
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
            ScriptedReplies.Answer a = replies.ehlo(client(sess));
            pause(a.delay());
            if (!a.passes()) {
                respond(sess, a.reply());
                return;
            }
            sess.resetMailTransaction();
            sess.setHelo(args[1]);
            if (getName().equals("HELO")) {
                sess.sendResponse("250 " + HOSTNAME);
                return;
            }
            sess.sendResponse("250-" + HOSTNAME + " greets " + args[1] + "\r\n250-PIPELINING\r\n250-8BITMIME\r\n"
                    + "250-SIZE " + MAX_MESSAGE + "\r\n250 ENHANCEDSTATUSCODES");
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
            ScriptedReplies.Answer a = replies.mail(client(sess), sender);
            pause(a.delay());
            if (!a.passes()) {
                respond(sess, a.reply());
                return;
            }
            sess.startMailTransaction();
            ((Transaction) sess.getMessageHandler()).sender = sender;
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
            ScriptedReplies.Answer a = replies.rcpt(client(sess), tx.sender, rcpt);
            pause(a.delay());
            if (!a.passes()) {
                respond(sess, a.reply());
                return;
            }
            tx.recipients.add(rcpt);
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
            if (tx.recipients.isEmpty()) {
                sess.sendResponse("554 5.5.1 Error: no valid recipients");
                return;
            }
            sess.sendResponse("354 End data with <CR><LF>.<CR><LF>");
            byte[] content = readMessage(sess.getRawInput());
            int id = id(sess);
            if (content == null) {
                log.add(clock.instant(), id, '*', "message over " + MAX_MESSAGE + " bytes");
                sess.resetMailTransaction();
                sess.sendResponse("552 5.3.4 Error: message too large");
                return;
            }
            log.add(clock.instant(), id, '*', "message of " + content.length + " bytes");
            ScriptedReplies.Answer a = replies.data(client(sess), tx.sender, tx.recipients);
            pause(a.delay());
            sess.resetMailTransaction();
            if (!a.passes()) {
                respond(sess, a.reply());
                return;
            }
            AcceptedMessage m = new AcceptedMessage(numbers.incrementAndGet(), clock.instant(), id, client(sess),
                    sess.getHelo().orElse(""), tx.sender, tx.recipients, content);
            messages.add(m);
            for (Consumer<AcceptedMessage> l : listeners) l.accept(m);
            respond(sess, a.reply() != null ? a.reply() : "250 2.0.0 Ok: queued as " + m.number());
        }
    }

    // ---- DATA on the wire ------------------------------------------------------------------

    /**
     * Reads CRLF lines up to the {@code .CRLF} line and returns the content unstuffed (RFC 5321
     * section 4.5.2), without the dot line; null (after reading to the end) if it is too large.
     */
    static byte[] readMessage(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream line = new ByteArrayOutputStream(1024);
        boolean tooLarge = false;
        while (true) {
            line.reset();
            int prev = -1;
            while (true) {
                int b = in.read();
                if (b < 0) throw new EOFException("connection closed in DATA");
                line.write(b);
                if (prev == '\r' && b == '\n') break;
                prev = b;
            }
            byte[] l = line.toByteArray();
            if (l.length == 3 && l[0] == '.') return tooLarge ? null : out.toByteArray();
            if (tooLarge) continue;
            int from = l[0] == '.' ? 1 : 0;
            out.write(l, from, l.length - from);
            if (out.size() > MAX_MESSAGE) {
                tooLarge = true;
                out = new ByteArrayOutputStream();
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
        private OutputStream out;

        LoggedSocket(int id) {
            this.id = id;
        }

        @Override
        public synchronized OutputStream getOutputStream() throws IOException {
            if (out == null) out = new ReplyLines(super.getOutputStream(), id);
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
        private final int id;

        ReplyLines(OutputStream out, int id) {
            super(out);
            this.id = id;
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
            if (b == '\n') {
                String text = line.toString(StandardCharsets.UTF_8);
                line.reset();
                log.add(clock.instant(), id, '<', text.endsWith("\r") ? text.substring(0, text.length() - 1) : text);
            } else if (line.size() < 4096) {
                line.write(b);
            }
        }
    }
}
