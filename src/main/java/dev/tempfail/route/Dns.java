package dev.tempfail.route;

import dev.tempfail.config.DeliveryConfig;
import dev.tempfail.config.HostPort;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.ResolverConfig;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * A stub resolver that asks one question at a time and reduces the reply to what routing needs:
 * the records, "no such domain", "no such record", or "could not find out".
 *
 * <p>Why not dnsjava's {@code Lookup}: it folds SERVFAIL and timeouts into one TRY_AGAIN, applies
 * the search path, and shares a static cache between all users (and so between tests). Here
 * each question is a plain {@link Message} sent with a fresh {@link SimpleResolver}, and the
 * rcode is read directly. There is no cache: the resolvers asked have one.
 *
 * <p>Retries: the servers are tried in order, each try allowed half of the timeout, at most two
 * tries per server, and never past the timeout as a whole. A timeout, a network error, or an
 * answer other than NOERROR/NXDOMAIN (SERVFAIL, REFUSED, ...) moves on to the next try. With one
 * server that is two tries, like glibc's default {@code attempts:2}. A truncated UDP answer is
 * asked again over TCP by {@code SimpleResolver} itself, within the same try.
 */
final class Dns {
    /** At most this many CNAMEs are followed inside one answer. */
    private static final int MAX_CNAME_CHAIN = 8;
    /** A try with less time left than this is not started. */
    private static final long MIN_TRY_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    /** The answer to one question. */
    sealed interface Answer {
        /** Records of the type asked for (after following CNAMEs); never empty. */
        record Records(List<Record> records) implements Answer {}

        /** The name does not exist (NXDOMAIN). */
        record NxDomain() implements Answer {}

        /** The name exists but has no records of the type asked for (NODATA). */
        record NoData() implements Answer {}

        /** No answer could be had: timeout, SERVFAIL, network error. Worth asking again later. */
        record Failed(String reason) implements Answer {}
    }

    private final List<InetSocketAddress> servers;
    private final Duration timeout;

    /** The resolvers of {@code delivery.dns_servers} (the system's if none), with {@code delivery.dns_timeout}. */
    static Dns forConfig(DeliveryConfig config) {
        List<InetSocketAddress> servers = new ArrayList<>();
        for (HostPort server : config.dnsServers()) servers.add(DomainNames.literalSocketAddress(server));
        return new Dns(servers, config.dnsTimeout());
    }

    /** {@code servers} empty means the system's resolvers (resolv.conf and the like). */
    Dns(List<InetSocketAddress> servers, Duration timeout) {
        this.servers = servers.isEmpty() ? List.copyOf(ResolverConfig.getCurrentConfig().servers()) : List.copyOf(servers);
        this.timeout = timeout;
    }

    Duration timeout() {
        return timeout;
    }

    /** Asks for {@code type} records of the absolute name {@code name}; the future never fails. */
    CompletableFuture<Answer> query(Name name, int type) {
        if (servers.isEmpty()) return CompletableFuture.completedFuture(new Answer.Failed("no DNS servers configured"));
        Message query = Message.newQuery(Record.newRecord(name, type, DClass.IN));
        return attempt(query, 0, System.nanoTime() + timeout.toNanos(), "timed out");
    }

    /** Blocks for a query's answer, at most a little longer than the timeout. */
    Answer await(CompletableFuture<Answer> answer) {
        try {
            return answer.get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Answer.Failed("interrupted");
        } catch (TimeoutException e) {
            return new Answer.Failed("timed out");
        } catch (ExecutionException e) {
            return new Answer.Failed(describe(e.getCause()));
        }
    }

    private CompletableFuture<Answer> attempt(Message query, int n, long deadline, String lastProblem) {
        long left = deadline - System.nanoTime();
        if (n >= 2 * servers.size() || left < MIN_TRY_NANOS) {
            return CompletableFuture.completedFuture(new Answer.Failed(lastProblem));
        }
        InetSocketAddress server = servers.get(n % servers.size());
        long tryNanos = Math.min(left, timeout.toNanos() / 2);
        SimpleResolver resolver = new SimpleResolver(server);
        resolver.setTimeout(Duration.ofNanos(tryNanos));
        CompletableFuture<Message> sent;
        try {
            // dnsjava checks its own timeouts only about once a second; orTimeout keeps ours exact.
            sent = resolver.sendAsync(query).toCompletableFuture().orTimeout(tryNanos, TimeUnit.NANOSECONDS);
        } catch (RuntimeException e) {
            sent = CompletableFuture.failedFuture(e);
        }
        String where = " (" + server.getAddress().getHostAddress() + ":" + server.getPort() + ")";
        return sent.handle((response, error) -> {
            if (error != null) return attempt(query, n + 1, deadline, describe(error) + where);
            int rcode = response.getRcode();
            if (rcode == Rcode.NOERROR || rcode == Rcode.NXDOMAIN) {
                return CompletableFuture.completedFuture(interpret(query, response));
            }
            return attempt(query, n + 1, deadline, Rcode.string(rcode) + where);
        }).thenCompose(Function.identity());
    }

    /** Reduces a NOERROR or NXDOMAIN answer, following a CNAME chain within it. */
    static Answer interpret(Message query, Message response) {
        Record question = query.getQuestion();
        int type = question.getType();
        List<Record> answers = response.getSection(Section.ANSWER);
        Name name = question.getName();
        for (int hops = 0; hops <= MAX_CNAME_CHAIN; hops++) {
            List<Record> found = new ArrayList<>();
            Name next = null;
            for (Record r : answers) {
                if (!r.getName().equals(name)) continue;
                if (r.getType() == type) found.add(r);
                else if (r.getType() == Type.CNAME && type != Type.CNAME) next = ((CNAMERecord) r).getTarget();
            }
            if (!found.isEmpty()) return new Answer.Records(List.copyOf(found));
            if (next == null) break;
            name = next;
        }
        return response.getRcode() == Rcode.NXDOMAIN ? new Answer.NxDomain() : new Answer.NoData();
    }

    private static String describe(Throwable error) {
        Throwable e = error;
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        if (e instanceof TimeoutException || e instanceof SocketTimeoutException) return "timed out";
        if (e instanceof PortUnreachableException) return "no DNS server listening";
        String message = e.getMessage();
        if (message != null && message.startsWith("Timed out")) return "timed out";
        return e.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }
}
