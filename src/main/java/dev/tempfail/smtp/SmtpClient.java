package dev.tempfail.smtp;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Delivers one message to one destination: one SMTP transaction carrying all the message's
 * recipients for it, over the first of the candidate hosts that answers, with a reply of its
 * own for every recipient. See the package documentation for the rules.
 *
 * <p>An instance holds only settings and may be shared by threads; each {@link #deliver} call
 * runs entirely on the calling thread with blocking sockets.
 */
public final class SmtpClient {
    private static final Logger log = LoggerFactory.getLogger(SmtpClient.class);
    /** Commands sent ahead of their replies under PIPELINING, so neither side's buffers fill up. */
    static final int PIPELINE_WINDOW = 100;

    private final String heloName;
    private final SmtpTimeouts timeouts;
    private final boolean startTls;
    private final ConnectionCache cache;
    /** Connections of the conversations going on now, so that a stop whose time is up can cut them. */
    private final Set<SmtpConnection> talking = ConcurrentHashMap.newKeySet();

    /** A client that uses STARTTLS whenever it is offered. */
    public SmtpClient(String heloName, SmtpTimeouts timeouts) {
        this(heloName, timeouts, true);
    }

    /**
     * @param heloName the name presented in EHLO/HELO
     * @param startTls use STARTTLS when the server offers it (opportunistic: any certificate is
     *                 accepted; a failed handshake is retried in plain text)
     */
    public SmtpClient(String heloName, SmtpTimeouts timeouts, boolean startTls) {
        this(heloName, timeouts, startTls, Duration.ZERO);
    }

    /**
     * @param reuseFor how long a connection is kept idle after a transaction for the next message
     *                 to the same host ({@link Duration#ZERO}: close every connection at once)
     */
    public SmtpClient(String heloName, SmtpTimeouts timeouts, boolean startTls, Duration reuseFor) {
        Objects.requireNonNull(heloName, "heloName");
        if (!heloName.matches("[A-Za-z0-9._:\\[\\]-]+")) throw new IllegalArgumentException("bad HELO name: " + heloName);
        this.heloName = heloName;
        this.timeouts = Objects.requireNonNull(timeouts, "timeouts");
        this.startTls = startTls;
        this.cache = reuseFor.isZero() || reuseFor.isNegative() ? null : new ConnectionCache(reuseFor);
    }

    /**
     * Delivers {@code content} (CRLF line endings, sent unchanged apart from dot-stuffing) to
     * the first of {@code targets} that gets as far as MAIL FROM.
     */
    public DeliveryResult deliver(Envelope envelope, byte[] content, List<Target> targets) {
        return deliver(envelope, content, targets, Security.OPPORTUNISTIC);
    }

    /** As {@link #deliver(Envelope, byte[], List)}, with the TLS policy and login the next hop needs. */
    public DeliveryResult deliver(Envelope envelope, byte[] content, List<Target> targets, Security security) {
        long size = envelope.size() > 0 ? envelope.size() : content.length;
        return new Attempt(envelope, MessageContent.of(content), size, security).run(targets);
    }

    /** As {@link #deliver(Envelope, byte[], List)}, reading the content from {@code content} for each DATA. */
    public DeliveryResult deliver(Envelope envelope, MessageContent content, List<Target> targets) {
        return deliver(envelope, content, targets, Security.OPPORTUNISTIC);
    }

    public DeliveryResult deliver(Envelope envelope, MessageContent content, List<Target> targets, Security security) {
        return deliver(envelope, content, targets, security, 0);
    }

    /**
     * As {@link #deliver(Envelope, MessageContent, List, Security)}, with a connection kept for
     * reuse only while it has carried fewer than {@code messagesPerConnection} transactions (0 =
     * no limit): what a receiver that takes few messages per connection asks (a destination profile).
     */
    public DeliveryResult deliver(Envelope envelope, MessageContent content, List<Target> targets, Security security,
                                  int messagesPerConnection) {
        Attempt a = new Attempt(envelope, content, envelope.size(), security);
        a.messagesPerConnection = messagesPerConnection;
        return a.run(targets);
    }

    /**
     * For a stop whose grace has run out: closes the connection of every conversation going on,
     * so that each ends now as a lost connection (a temporary failure for every recipient not
     * yet answered; after the final dot, "may have been delivered"). Returns how many were cut.
     */
    public int abortAll() {
        int n = 0;
        for (SmtpConnection c : List.copyOf(talking)) {
            c.close();
            n++;
        }
        return n;
    }

    /** Closes the idle connections kept for reuse (QUIT first): for a stop, once nothing is being delivered. */
    public void closeIdle() {
        if (cache != null) cache.closeAll(timeouts.mail());
    }

    /** One call of {@code deliver}: the state of the conversation and the results so far. */
    private final class Attempt {
        private final Envelope env;
        private final MessageContent content;
        private final long size;
        private final RecipientResult[] results;
        private final List<HostFailure> failures = new ArrayList<>();
        /** The connections this attempt opened or took from the cache. */
        private final List<SmtpConnection> mine = new ArrayList<>();
        /** Where the conversation is: the stage a lost connection or timeout is reported at. */
        private Stage stage = Stage.CONNECT;
        /** The final dot went out and its reply has not come yet: the message may have been delivered. */
        private boolean awaitingDotReply;
        private final Security security;
        /** A connection that has carried this many transactions is closed, not cached; 0 = no limit. */
        private int messagesPerConnection;

        Attempt(Envelope env, MessageContent content, long size, Security security) {
            this.security = security;
            this.env = env;
            this.content = Objects.requireNonNull(content, "content");
            this.size = size;
            this.results = new RecipientResult[env.recipients().size()];
        }

        DeliveryResult run(List<Target> targets) {
            try {
                return tryHosts(targets);
            } finally {
                talking.removeAll(mine);
            }
        }

        private DeliveryResult tryHosts(List<Target> targets) {
            if (targets.isEmpty()) throw new IllegalArgumentException("no target hosts");
            for (Target target : targets) {
                ConnectionCache.Idle idle = cache == null ? null : cache.take(target);
                if (idle != null) return transact(registered(idle.connection()), idle.capabilities());
                try {
                    Established e = connect(target, startTls && security.tls() != TlsPolicy.NONE);
                    if (e != null) return transact(e.connection(), e.capabilities());
                } catch (LoopsBack loop) {
                    return loopsBack(target, loop.stage);
                }
            }
            HostFailure last = failures.get(failures.size() - 1);
            for (int i = 0; i < results.length; i++) settle(i, last.stage(), last.reply(), last.synthetic());
            return new DeliveryResult(null, false, null, false, EhloCapabilities.NONE, 0, List.of(results), failures);
        }

        /** Registers a connection of this attempt for {@link #abortAll}, until the attempt is over. */
        private SmtpConnection registered(SmtpConnection c) {
            mine.add(c);
            talking.add(c);
            return c;
        }

        // ---- getting a usable connection -------------------------------------------------------

        /**
         * Connects, reads the greeting, says EHLO and starts TLS; null (and a recorded failure) if
         * the host is no good. Throws if the host greets or answers EHLO with our own name.
         */
        private Established connect(Target target, boolean tryTls) throws LoopsBack {
            stage = Stage.CONNECT;
            SmtpConnection c;
            try {
                c = registered(SmtpConnection.open(target, timeouts.connect()));
            } catch (IOException e) {
                fail(target, Stage.CONNECT, synthetic(421, "4.4.1", "connect to " + target + ": " + describe(e)));
                return null;
            }
            try {
                SmtpReply greeting = c.readReply(timeouts.greeting(), "waiting for the greeting");
                if (greeting.code() != 220) {
                    if (greeting.code() < 400) throw new SmtpProtocolException("unexpected greeting: " + greeting);
                    failures.add(new HostFailure(target, Stage.CONNECT, greeting, false));
                    c.quit(timeouts.mail());
                    return null;
                }
                if (isOurName(greeting)) throw new LoopsBack(Stage.CONNECT);
                stage = Stage.EHLO;
                EhloCapabilities caps;
                try {
                    caps = hello(c);
                } catch (Refused r) {
                    failures.add(new HostFailure(target, Stage.EHLO, r.reply, false));
                    c.quit(timeouts.mail());
                    return null;
                }
                boolean required = security.tls().required();
                if (tryTls && caps.startTls()) {
                    stage = Stage.STARTTLS;
                    try {
                        EhloCapabilities secured = startTls(c);
                        if (secured != null) caps = secured;
                    } catch (IOException | Refused e) {
                        c.close();
                        String why = e instanceof Refused r ? r.what + " refused: " + r.reply : describe((IOException) e);
                        if (required) { // never a clear-text retry: the policy says TLS or nothing
                            fail(target, Stage.STARTTLS, synthetic(421, "4.7.5", "TLS with " + target + " failed: " + why
                                    + " (tls: " + security.tls().name().toLowerCase(java.util.Locale.ROOT) + ")"));
                            return null;
                        }
                        fail(target, Stage.STARTTLS, synthetic(421, "4.7.5",
                                "TLS with " + target + " failed: " + why + "; trying again without TLS"));
                        return connect(target, false);
                    }
                }
                if (required && !c.tls()) {
                    fail(target, Stage.STARTTLS, synthetic(421, "4.7.4", "TLS is required (tls: "
                            + security.tls().name().toLowerCase(java.util.Locale.ROOT) + "), but " + target
                            + (caps.startTls() ? " declined STARTTLS" : " does not offer STARTTLS")));
                    c.quit(timeouts.mail());
                    return null;
                }
                if (security.login() != null && !login(c, caps, target)) return null;
                return new Established(c, caps);
            } catch (IOException e) {
                c.close();
                String code = e instanceof SmtpProtocolException ? "4.5.0" : "4.4.2";
                fail(target, stage, synthetic(421, code, target + ": " + describe(e)));
                return null;
            } catch (LoopsBack loop) {
                c.quit(timeouts.mail());
                throw loop;
            } catch (RuntimeException e) {
                c.close();
                throw e;
            }
        }

        /** EHLO, or HELO if EHLO gets a 5xx. */
        private EhloCapabilities hello(SmtpConnection c) throws IOException, Refused, LoopsBack {
            c.send("EHLO " + heloName, timeouts.ehlo());
            c.flush(timeouts.ehlo());
            SmtpReply r = c.readReply(timeouts.ehlo(), "waiting for the reply to EHLO");
            if (r.code() / 100 == 2 && isOurName(r)) throw new LoopsBack(Stage.EHLO);
            if (r.code() / 100 == 2) return EhloCapabilities.fromEhlo(r);
            if (r.code() < 400) throw new SmtpProtocolException("unexpected reply to EHLO: " + r);
            if (r.code() < 500) throw new Refused("EHLO", r);
            c.send("HELO " + heloName, timeouts.ehlo());
            c.flush(timeouts.ehlo());
            SmtpReply h = c.readReply(timeouts.ehlo(), "waiting for the reply to HELO");
            if (h.code() / 100 == 2 && isOurName(h)) throw new LoopsBack(Stage.EHLO);
            if (h.code() / 100 == 2) return EhloCapabilities.fromHelo(h);
            if (h.code() < 400) throw new SmtpProtocolException("unexpected reply to HELO: " + h);
            throw new Refused("HELO", h);
        }

        /**
         * STARTTLS, the handshake, and EHLO again. Null if the server declines STARTTLS (then
         * the session goes on in plain text); throws if TLS was begun and failed, or the server
         * answered 421.
         */
        private EhloCapabilities startTls(SmtpConnection c) throws IOException, Refused, LoopsBack {
            c.send("STARTTLS", timeouts.ehlo());
            c.flush(timeouts.ehlo());
            SmtpReply r = c.readReply(timeouts.ehlo(), "waiting for the reply to STARTTLS");
            if (r.code() == 421) throw new Refused("STARTTLS", r);
            if (r.code() != 220) {
                log.debug("{} declined STARTTLS ({}); going on without TLS", c.target(), r);
                return null;
            }
            c.startTls(timeouts.ehlo(), security.tls() == TlsPolicy.VERIFY, security.trust());
            try {
                return hello(c);
            } catch (Refused e) {
                throw new Refused("EHLO after STARTTLS", e.reply);
            }
        }

        /**
         * AUTH PLAIN with the configured login, only over TLS; false (the host failed, temporarily,
         * as Postfix defers on a SASL failure) if it cannot be done or is refused.
         */
        private boolean login(SmtpConnection c, EhloCapabilities caps, Target target) throws IOException {
            Security.Login login = security.login();
            String problem = null;
            if (!c.tls()) problem = "no TLS, and the password is never sent in clear text";
            else if (!caps.has("AUTH")) problem = "the server offers no AUTH";
            if (problem == null) {
                String token = java.util.Base64.getEncoder().encodeToString(
                        ("\0" + login.user() + "\0" + login.password()).getBytes(java.nio.charset.StandardCharsets.UTF_8));
                c.send("AUTH PLAIN " + token, timeouts.ehlo());
                c.flush(timeouts.ehlo());
                SmtpReply r = c.readReply(timeouts.ehlo(), "waiting for the reply to AUTH");
                if (r.code() == 235) return true;
                problem = "the server said " + r;
            }
            fail(target, Stage.EHLO, synthetic(454, "4.7.8", "AUTH as " + login.user() + " to " + target + " failed: " + problem));
            c.quit(timeouts.mail());
            return false;
        }

        /** The first word of a greeting or EHLO reply is the server's name; ours means the mail came back to us. */
        private boolean isOurName(SmtpReply r) {
            String first = r.lines().isEmpty() ? "" : r.lines().get(0).strip();
            int space = first.indexOf(' ');
            return (space < 0 ? first : first.substring(0, space)).equalsIgnoreCase(heloName);
        }

        /**
         * The next hop is this relay itself (a route, MX or smarthost pointing back here): a
         * permanent failure for every recipient at once, as Postfix bounces "mail for D loops
         * back to myself"; trying the other hosts would only go round again.
         */
        private DeliveryResult loopsBack(Target target, Stage at) {
            String address = env.recipients().get(0).address();
            String domain = address.substring(address.lastIndexOf('@') + 1);
            SmtpReply reply = synthetic(554, "5.4.6", "mail for " + domain + " loops back to myself ("
                    + target + (at == Stage.CONNECT ? " greeted" : " answered EHLO") + " with my own name " + heloName + ")");
            log.warn("{}: {}", target, reply);
            for (int i = 0; i < results.length; i++) settle(i, at, reply, true);
            return new DeliveryResult(target, false, null, false, EhloCapabilities.NONE, 0, List.of(results), failures);
        }

        // ---- transactions --------------------------------------------------------------------

        private DeliveryResult transact(SmtpConnection c, EhloCapabilities caps) {
            List<Integer> pending = new ArrayList<>();
            for (int i = 0; i < results.length; i++) pending.add(i);
            int transactions = 0;
            boolean needRset = false;
            boolean kept = false;
            try {
                while (!pending.isEmpty()) {
                    if (needRset) {
                        stage = Stage.MAIL;
                        c.send("RSET", timeouts.mail());
                        c.flush(timeouts.mail());
                        SmtpReply r = c.readReply(timeouts.mail(), "waiting for the reply to RSET");
                        expectCompletion(r, "RSET");
                        if (!r.isPositive()) {
                            for (int i : pending) settle(i, Stage.MAIL, r, false);
                            break;
                        }
                    }
                    transactions++;
                    c.countTransaction();
                    Transaction t = caps.pipelining() ? pipelined(c, caps, pending) : lockstep(c, caps, pending);
                    if (t.deferred().size() >= pending.size()) { // no progress: cannot happen, must not loop
                        log.error("transaction to {} settled no recipient; giving up on the rest", c.target());
                        break;
                    }
                    pending = t.deferred();
                    needRset = t.needRset();
                }
                kept = keepForReuse(c, caps);
                if (!kept) c.quit(timeouts.mail());
            } catch (ServerClosing x) {
                c.close();
                settleRest(x.stage, x.reply, false);
            } catch (LocalContentException e) {
                c.close(); // without the final dot: the server must not deliver a truncated message
                settleRest(Stage.DATA, synthetic(451, "4.3.0", "Local error reading the message content: " + e.getMessage()), true);
            } catch (IOException e) {
                c.close();
                settleRest(stage, transactionFailure(e), true);
            } finally {
                if (!kept) c.close();
            }
            for (int i = 0; i < results.length; i++) {
                if (results[i] == null) { // a bug, never a silent success
                    log.error("no result for recipient {} after talking to {}", env.recipients().get(i).address(), c.target());
                    settle(i, stage, synthetic(451, "4.3.0", "Internal error: no reply recorded for this recipient"), true);
                }
            }
            return new DeliveryResult(c.target(), c.tls(), c.tlsCipher(), c.verified(), caps, transactions, List.of(results), failures);
        }

        /** RSET and into the cache, if reuse is on and the server agrees; false if the connection is to be closed. */
        private boolean keepForReuse(SmtpConnection c, EhloCapabilities caps) throws IOException {
            if (cache == null) return false;
            if (messagesPerConnection > 0 && c.transactions() >= messagesPerConnection) return false;
            stage = Stage.MAIL;
            c.send("RSET", timeouts.mail());
            c.flush(timeouts.mail());
            if (c.readReply(timeouts.mail(), "waiting for the reply to RSET").code() != 250) return false;
            cache.put(c.target(), c, caps, timeouts.mail());
            return true;
        }

        /** MAIL, each RCPT and DATA, each waiting for its reply. */
        private Transaction lockstep(SmtpConnection c, EhloCapabilities caps, List<Integer> batch)
                throws IOException, ServerClosing, LocalContentException {
            stage = Stage.MAIL;
            c.send(mailCommand(caps), timeouts.mail());
            c.flush(timeouts.mail());
            SmtpReply mail = c.readReply(timeouts.mail(), "waiting for the reply to MAIL FROM");
            expectCompletion(mail, "MAIL FROM");
            if (!mail.isPositive()) {
                for (int i : batch) settle(i, Stage.MAIL, mail, false);
                return new Transaction(List.of(), false);
            }
            stage = Stage.RCPT;
            List<Integer> accepted = new ArrayList<>();
            List<Integer> deferred = new ArrayList<>();
            for (int i : batch) {
                if (!deferred.isEmpty()) { // the server is full: the rest wait for the next transaction
                    deferred.add(i);
                    continue;
                }
                c.send(rcptCommand(i, caps), timeouts.rcpt());
                c.flush(timeouts.rcpt());
                onRcptReply(i, c.readReply(timeouts.rcpt(), "waiting for the reply to RCPT TO"), accepted, deferred);
            }
            if (accepted.isEmpty()) return new Transaction(deferred, true);
            return data(c, accepted, deferred, null);
        }

        /** RFC 2920: MAIL, the RCPTs and DATA go out as a group; the replies are read in order. */
        private Transaction pipelined(SmtpConnection c, EhloCapabilities caps, List<Integer> batch)
                throws IOException, ServerClosing, LocalContentException {
            int n = batch.size();
            int total = n + 2; // MAIL, n x RCPT, DATA
            List<Integer> accepted = new ArrayList<>();
            List<Integer> deferred = new ArrayList<>();
            SmtpReply mail = null;
            SmtpReply data = null;
            boolean stopSending = false;
            int sent = 0;
            int read = 0;
            stage = Stage.MAIL;
            while (true) {
                while (!stopSending && sent < total && sent - read < PIPELINE_WINDOW) {
                    if (sent == total - 1 && read == sent && accepted.isEmpty()) {
                        stopSending = true; // every RCPT reply is in and none accepted: no DATA at all
                        break;
                    }
                    if (sent == 0) c.send(mailCommand(caps), timeouts.mail());
                    else if (sent <= n) c.send(rcptCommand(batch.get(sent - 1), caps), timeouts.rcpt());
                    else c.send("DATA", timeouts.dataInit());
                    sent++;
                }
                if (read == sent) break;
                c.flush(timeouts.mail());
                if (read == 0) {
                    stage = Stage.MAIL;
                    mail = c.readReply(timeouts.mail(), "waiting for the reply to MAIL FROM");
                    expectCompletion(mail, "MAIL FROM");
                    if (!mail.isPositive()) {
                        for (int i : batch) settle(i, Stage.MAIL, mail, false);
                        stopSending = true;
                    }
                } else if (read <= n) {
                    stage = Stage.RCPT;
                    SmtpReply r = c.readReply(timeouts.rcpt(), "waiting for the reply to RCPT TO");
                    if (mail.isPositive()) onRcptReply(batch.get(read - 1), r, accepted, deferred);
                    else expectCompletion(r, "RCPT TO"); // the transaction is gone already; only a 421 matters
                } else {
                    stage = Stage.DATA;
                    data = c.readReply(timeouts.dataInit(), "waiting for the reply to DATA");
                }
                read++;
            }
            if (!mail.isPositive() || accepted.isEmpty()) {
                if (data != null && data.code() == 354) {
                    // RFC 2920 section 3.1: DATA was accepted with no recipient: end it with a lone dot.
                    stage = Stage.DATA;
                    c.send(".", timeouts.dataEnd());
                    c.flush(timeouts.dataEnd());
                    SmtpReply r = c.readReply(timeouts.dataEnd(), "waiting for the reply to an empty DATA");
                    if (r.code() == 421) throw new ServerClosing(Stage.DATA, r);
                }
                return new Transaction(deferred, true);
            }
            return data(c, accepted, deferred, data);
        }

        /** The DATA stage for the accepted recipients; {@code dataReply} is the 354 (or refusal) if already read. */
        private Transaction data(SmtpConnection c, List<Integer> accepted, List<Integer> deferred, SmtpReply dataReply)
                throws IOException, ServerClosing, LocalContentException {
            stage = Stage.DATA;
            if (dataReply == null) {
                c.send("DATA", timeouts.dataInit());
                c.flush(timeouts.dataInit());
                dataReply = c.readReply(timeouts.dataInit(), "waiting for the reply to DATA");
            }
            if (dataReply.code() != 354) {
                if (dataReply.code() < 400) throw new SmtpProtocolException("unexpected reply to DATA: " + dataReply);
                if (dataReply.code() == 421) throw new ServerClosing(Stage.DATA, dataReply);
                for (int i : accepted) settle(i, Stage.DATA, dataReply, false);
                return new Transaction(deferred, true);
            }
            InputStream in;
            try {
                in = content.open();
            } catch (IOException e) {
                throw new LocalContentException(e);
            }
            try {
                c.sendContent(in, timeouts.dataBlock());
            } finally {
                try {
                    in.close();
                } catch (IOException ignored) {
                    // everything was read, or the send failed anyway
                }
            }
            awaitingDotReply = true;
            SmtpReply end = c.readReply(timeouts.dataEnd(), "waiting for the reply to the end of data");
            awaitingDotReply = false;
            expectCompletion(end, "the end of data");
            for (int i : accepted) settle(i, Stage.DATA, end, false);
            return new Transaction(deferred, false);
        }

        /** Accepted, refused for good, or (too many recipients) kept for the next transaction. */
        private void onRcptReply(int i, SmtpReply r, List<Integer> accepted, List<Integer> deferred) throws IOException, ServerClosing {
            expectCompletion(r, "RCPT TO");
            if (r.isPositive()) {
                accepted.add(i);
            } else if (!accepted.isEmpty() && tooManyRecipients(r)) {
                deferred.add(i);
            } else {
                settle(i, Stage.RCPT, r, false);
            }
        }

        /** A reply that ends a command: 2xx, 4xx or 5xx. A 421 means the server is closing the connection. */
        private void expectCompletion(SmtpReply r, String command) throws SmtpProtocolException, ServerClosing {
            if (r.code() == 421) throw new ServerClosing(stage, r);
            if (r.code() >= 300 && r.code() < 400) throw new SmtpProtocolException("unexpected reply to " + command + ": " + r);
        }

        private String mailCommand(EhloCapabilities caps) {
            StringBuilder cmd = new StringBuilder("MAIL FROM:<").append(env.sender()).append('>');
            if (caps.has("SIZE") && size > 0) cmd.append(" SIZE=").append(size);
            if (env.eightBitMime() && caps.eightBitMime()) cmd.append(" BODY=8BITMIME");
            if (caps.dsn()) {
                if (env.ret() != null) cmd.append(" RET=").append(env.ret());
                if (env.envid() != null) cmd.append(" ENVID=").append(Xtext.encode(env.envid()));
            }
            return cmd.toString();
        }

        private String rcptCommand(int i, EhloCapabilities caps) {
            Envelope.Recipient r = env.recipients().get(i);
            StringBuilder cmd = new StringBuilder("RCPT TO:<").append(r.address()).append('>');
            if (caps.dsn()) {
                if (r.notifyOn() != null) cmd.append(" NOTIFY=").append(r.notifyOn());
                if (r.orcpt() != null) {
                    int semi = r.orcpt().indexOf(';');
                    cmd.append(" ORCPT=").append(r.orcpt(), 0, semi + 1).append(Xtext.encode(r.orcpt().substring(semi + 1)));
                }
            }
            return cmd.toString();
        }

        // ---- results -----------------------------------------------------------------------------

        private void settle(int i, Stage at, SmtpReply reply, boolean synthetic) {
            results[i] = new RecipientResult(env.recipients().get(i).address(), at, reply, synthetic);
        }

        /** Every recipient without a final answer yet gets this one. */
        private void settleRest(Stage at, SmtpReply reply, boolean synthetic) {
            for (int i = 0; i < results.length; i++) if (results[i] == null) settle(i, at, reply, synthetic);
        }

        private void fail(Target target, Stage at, SmtpReply reply) {
            log.debug("{}: {}", target, reply);
            failures.add(new HostFailure(target, at, reply, true));
        }

        private SmtpReply transactionFailure(IOException e) {
            if (e instanceof SmtpProtocolException) {
                return synthetic(451, "4.5.0", "Protocol error during " + stage.name() + ": " + e.getMessage());
            }
            String text = (e instanceof SmtpTimeoutException ? "Timeout during " : "Connection lost during ")
                    + stage.name() + ": " + describe(e);
            if (awaitingDotReply) text += "; the message may have been delivered";
            return synthetic(451, "4.4.2", text);
        }
    }

    static boolean tooManyRecipients(SmtpReply r) {
        return r.code() == 452 && (r.enhancedStatus() == null || r.enhancedStatus().equals("4.5.3"));
    }

    private static SmtpReply synthetic(int code, String status, String text) {
        return SmtpReply.of(code, List.of(status + " " + text));
    }

    private static String describe(IOException e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }

    private record Established(SmtpConnection connection, EhloCapabilities capabilities) {}

    private record Transaction(List<Integer> deferred, boolean needRset) {}

    /** EHLO and HELO (or STARTTLS) refused with this reply. */
    private static final class Refused extends Exception {
        final String what;
        final SmtpReply reply;

        Refused(String what, SmtpReply reply) {
            super(what + ": " + reply, null, false, false);
            this.what = what;
            this.reply = reply;
        }
    }

    /** The host greeted or answered EHLO with our own name, at this stage. */
    private static final class LoopsBack extends Exception {
        final Stage stage;

        LoopsBack(Stage stage) {
            super(stage.name(), null, false, false);
            this.stage = stage;
        }
    }

    /** The server answered 421: it is closing the connection; the reply stands for everything still open. */
    private static final class ServerClosing extends Exception {
        final Stage stage;
        final SmtpReply reply;

        ServerClosing(Stage stage, SmtpReply reply) {
            super(reply.toString(), null, false, false);
            this.stage = stage;
            this.reply = reply;
        }
    }
}
