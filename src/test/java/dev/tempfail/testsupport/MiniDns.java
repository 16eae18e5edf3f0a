package dev.tempfail.testsupport;

import dev.tempfail.config.HostPort;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Address;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.BindException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

/**
 * A tiny DNS server for tests (the pattern of chasquid's {@code test/util/minidns}): it listens
 * on 127.0.0.1, UDP and TCP on the same random port, and answers from a zone the test builds.
 * Point the relay at it with {@code delivery.dns_servers: [<hostPort()>]}; it never forwards a
 * question anywhere.
 *
 * <pre>{@code
 * try (MiniDns dns = MiniDns.start()) {
 *     dns.mx("example.com", 10, "mx1.example.com").a("mx1.example.com", "127.0.0.2");
 *     dns.nullMx("nomail.example").servfail("broken.example").timeout("slow.example");
 *     ... config with dns_servers = [dns.hostPort()] ...
 * }
 * }</pre>
 *
 * <p>Answers, for a question about name N and type T:
 * <ul>
 *   <li>N marked {@link #timeout}: no answer at all (any type);</li>
 *   <li>N marked {@link #servfail}: SERVFAIL (any type);</li>
 *   <li>N has records of type T: those;</li>
 *   <li>N has a CNAME (and T is not CNAME): the CNAME, then the answer for its target, chased
 *       within the zone;</li>
 *   <li>N has other records, or names below it exist: NOERROR with no answer (NODATA);</li>
 *   <li>anything else: NXDOMAIN.</li>
 * </ul>
 * Names are case-insensitive, with or without the trailing dot. The zone may be changed while
 * the server runs; every question is recorded ({@link #queries()}). Answers that do not fit
 * in a UDP packet (512 bytes, or the client's EDNS size) are truncated with TC set, and the
 * client can ask again over TCP.
 */
public final class MiniDns implements AutoCloseable {
    /** TTL of every record served. */
    public static final long TTL = 60;
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private static final int MAX_CNAME_CHAIN = 8;

    private final DatagramSocket udp;
    private final ServerSocket tcp;
    private final Object zoneLock = new Object();
    private final Map<String, List<Record>> zone = new HashMap<>();
    private final Set<String> servfail = new HashSet<>();
    private final Set<String> timeout = new HashSet<>();
    private final List<String> queries = new CopyOnWriteArrayList<>();
    private final List<String> tcpQueries = new CopyOnWriteArrayList<>();
    private final List<Socket> connections = new CopyOnWriteArrayList<>();
    private final List<Thread> threads = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    private MiniDns(DatagramSocket udp, ServerSocket tcp) {
        this.udp = udp;
        this.tcp = tcp;
        spawn("minidns-udp-" + port(), this::serveUdp);
        spawn("minidns-tcp-" + port(), this::serveTcp);
    }

    /** Starts a server on 127.0.0.1, UDP and TCP on the same free port. */
    public static MiniDns start() throws IOException {
        IOException last = null;
        for (int i = 0; i < 20; i++) {
            DatagramSocket udp = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0));
            ServerSocket tcp = new ServerSocket();
            try {
                tcp.bind(new InetSocketAddress(LOOPBACK, udp.getLocalPort()));
                return new MiniDns(udp, tcp);
            } catch (BindException e) {
                last = e;
                tcp.close();
                udp.close();
            }
        }
        throw new IOException("no port free for both UDP and TCP on " + LOOPBACK, last);
    }

    /** Where the server listens. */
    public InetSocketAddress address() {
        return new InetSocketAddress(LOOPBACK, port());
    }

    public int port() {
        return udp.getLocalPort();
    }

    /** The server as a {@code delivery.dns_servers} entry. */
    public HostPort hostPort() {
        return new HostPort(LOOPBACK.getHostAddress(), port());
    }

    /** {@code 127.0.0.1:port}, as written in config files and environment variables. */
    @Override
    public String toString() {
        return hostPort().toString();
    }

    // ---- the zone ----

    /** Adds an MX record: mail for {@code domain} goes to {@code host} with {@code preference}. */
    public MiniDns mx(String domain, int preference, String host) {
        return add(new MXRecord(name(domain), DClass.IN, TTL, preference, name(host)));
    }

    /** Adds the null MX of RFC 7505 ({@code 0 .}): {@code domain} accepts no mail. */
    public MiniDns nullMx(String domain) {
        return add(new MXRecord(name(domain), DClass.IN, TTL, 0, Name.root));
    }

    /** Adds A records: IPv4 addresses in dotted-quad form. */
    public MiniDns a(String name, String... addresses) {
        for (String address : addresses) add(new ARecord(name(name), DClass.IN, TTL, ip(address, Address.IPv4)));
        return this;
    }

    /** Adds AAAA records: IPv6 addresses such as {@code ::1}. */
    public MiniDns aaaa(String name, String... addresses) {
        for (String address : addresses) add(new AAAARecord(name(name), DClass.IN, TTL, ip(address, Address.IPv6)));
        return this;
    }

    /** Adds a CNAME record: {@code name} is an alias of {@code target}. */
    public MiniDns cname(String name, String target) {
        return add(new CNAMERecord(name(name), DClass.IN, TTL, name(target)));
    }

    /** Adds any record built with dnsjava. */
    public MiniDns add(Record record) {
        synchronized (zoneLock) {
            zone.computeIfAbsent(key(record.getName()), k -> new ArrayList<>()).add(record);
        }
        return this;
    }

    /** Every question about {@code name} gets SERVFAIL. */
    public MiniDns servfail(String name) {
        synchronized (zoneLock) {
            servfail.add(key(name(name)));
        }
        return this;
    }

    /** Every question about {@code name} goes unanswered, so the client times out. */
    public MiniDns timeout(String name) {
        synchronized (zoneLock) {
            timeout.add(key(name(name)));
        }
        return this;
    }

    /** Forgets everything about {@code name}: its records and any servfail/timeout mark. */
    public MiniDns remove(String name) {
        String key = key(name(name));
        synchronized (zoneLock) {
            zone.remove(key);
            servfail.remove(key);
            timeout.remove(key);
        }
        return this;
    }

    // ---- what was asked ----

    /** The questions received so far, in order, as {@code name/TYPE}: {@code example.com/MX}. */
    public List<String> queries() {
        return List.copyOf(queries);
    }

    /** How many questions about {@code name} (any type) were received. */
    public long queryCount(String name) {
        String prefix = display(name(name)) + "/";
        return queries.stream().filter(q -> q.startsWith(prefix)).count();
    }

    /** How many questions about {@code name} and {@code type} ({@code "MX"}, {@code "A"}, ...) were received. */
    public long queryCount(String name, String type) {
        String wanted = display(name(name)) + "/" + type.toUpperCase(Locale.ROOT);
        return queries.stream().filter(wanted::equals).count();
    }

    /** The questions that came over TCP, as in {@link #queries()} (which lists them too). */
    public List<String> tcpQueries() {
        return List.copyOf(tcpQueries);
    }

    public void clearQueries() {
        queries.clear();
        tcpQueries.clear();
    }

    // ---- answering ----

    /** The answer to {@code query}, or null for none (a {@link #timeout} name, or not a question). */
    Message answer(Message query, boolean overTcp) {
        Record question = query.getQuestion();
        Message response = new Message(query.getHeader().getID());
        response.getHeader().setFlag(Flags.QR);
        response.getHeader().setFlag(Flags.AA);
        response.getHeader().setFlag(Flags.RA);
        if (query.getHeader().getFlag(Flags.RD)) response.getHeader().setFlag(Flags.RD);
        response.getHeader().setOpcode(query.getHeader().getOpcode());
        if (question == null) {
            response.getHeader().setRcode(Rcode.FORMERR);
            return response;
        }
        String asked = display(question.getName()) + "/" + Type.string(question.getType());
        queries.add(asked);
        if (overTcp) tcpQueries.add(asked);
        response.addRecord(question, Section.QUESTION);
        if (query.getHeader().getOpcode() != Opcode.QUERY) {
            response.getHeader().setRcode(Rcode.NOTIMP);
            return response;
        }
        synchronized (zoneLock) {
            Name name = question.getName();
            int type = question.getType();
            for (int hops = 0; hops <= MAX_CNAME_CHAIN; hops++) {
                String key = key(name);
                if (timeout.contains(key)) return null;
                if (servfail.contains(key)) {
                    response.getHeader().setRcode(Rcode.SERVFAIL);
                    return response;
                }
                List<Record> records = zone.getOrDefault(key, List.of());
                Record alias = null;
                boolean found = false;
                for (Record r : records) {
                    if (r.getType() == type || type == Type.ANY) {
                        response.addRecord(r, Section.ANSWER);
                        found = true;
                    } else if (r.getType() == Type.CNAME) {
                        alias = r;
                    }
                }
                if (found) return response;
                if (alias == null) {
                    if (!exists(key)) response.getHeader().setRcode(Rcode.NXDOMAIN);
                    return response;
                }
                response.addRecord(alias, Section.ANSWER);
                name = ((CNAMERecord) alias).getTarget();
            }
            return response; // a CNAME chain too long: what was found so far
        }
    }

    /** A name exists if it has records or a mark, or if some name below it does (RFC 8020). */
    private boolean exists(String key) {
        String suffix = "." + key;
        return Stream.of(zone.keySet(), servfail, timeout).flatMap(Set::stream)
                .anyMatch(k -> k.equals(key) || k.endsWith(suffix));
    }

    /** The wire form of the answer to the wire-form {@code query}, or null for no answer. */
    private byte[] answerWire(byte[] query, boolean udp) {
        Message parsed;
        try {
            parsed = new Message(query);
        } catch (IOException e) {
            return null; // not DNS: ignore it, as a real server would
        }
        Message response = answer(parsed, !udp);
        if (response == null) return null;
        if (!udp) return response.toWire();
        OPTRecord opt = parsed.getOPT();
        int max = opt == null ? 512 : Math.max(512, opt.getPayloadSize());
        return response.toWire(max);
    }

    private void serveUdp() {
        byte[] buffer = new byte[65535];
        while (!closed) {
            DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
            try {
                udp.receive(packet);
                byte[] query = Arrays.copyOfRange(buffer, packet.getOffset(), packet.getOffset() + packet.getLength());
                byte[] out = answerWire(query, true);
                if (out != null) udp.send(new DatagramPacket(out, out.length, packet.getSocketAddress()));
            } catch (IOException e) {
                if (closed) return;
            }
        }
    }

    private void serveTcp() {
        while (!closed) {
            Socket socket;
            try {
                socket = tcp.accept();
            } catch (IOException e) {
                if (closed) return;
                continue;
            }
            connections.add(socket);
            spawn("minidns-tcp-" + port() + "-" + socket.getPort(), () -> serveConnection(socket));
        }
    }

    /** DNS over TCP: each message preceded by its length in two bytes (RFC 1035 §4.2.2). */
    private void serveConnection(Socket socket) {
        try (socket;
             DataInputStream in = new DataInputStream(socket.getInputStream());
             DataOutputStream out = new DataOutputStream(socket.getOutputStream())) {
            while (!closed) {
                byte[] query = new byte[in.readUnsignedShort()];
                in.readFully(query);
                byte[] answer = answerWire(query, false);
                if (answer == null) continue; // a timeout name: the client waits in vain
                out.writeShort(answer.length);
                out.write(answer);
                out.flush();
            }
        } catch (EOFException e) {
            // the client is done
        } catch (IOException e) {
            // closed under us
        } finally {
            connections.remove(socket);
        }
    }

    private void spawn(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        threads.add(t);
        t.start();
    }

    /** Stops answering and frees the port. */
    @Override
    public void close() {
        closed = true;
        udp.close();
        try {
            tcp.close();
        } catch (IOException e) {
            // closing anyway
        }
        for (Socket s : connections) {
            try {
                s.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
        for (Thread t : threads) {
            try {
                t.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    // ---- names ----

    private static Name name(String text) {
        try {
            return Name.fromString(text, Name.root);
        } catch (TextParseException e) {
            throw new IllegalArgumentException("not a domain name: " + text, e);
        }
    }

    private static String key(Name name) {
        return name.toString().toLowerCase(Locale.ROOT);
    }

    private static String display(Name name) {
        return name.toString(true).toLowerCase(Locale.ROOT);
    }

    private static InetAddress ip(String address, int family) {
        try {
            return Address.getByAddress(address, family);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IPv" + (family == Address.IPv4 ? 4 : 6) + " address: " + address, e);
        }
    }
}
