package dev.tempfail.delivery;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tempfail.Relay;
import dev.tempfail.testsupport.Await;
import dev.tempfail.testsupport.Cli;
import dev.tempfail.testsupport.FakeUpstream;
import dev.tempfail.testsupport.MiniDns;
import dev.tempfail.testsupport.PolicyServer;
import dev.tempfail.testsupport.SmtpTestClient;
import dev.tempfail.testsupport.TestRelays;
import dev.tempfail.testsupport.Sql;
import dev.tempfail.tls.ServerTls;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Name;
import org.xbill.DNS.TXTRecord;

import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * MTA-STS (RFC 8461) end to end: the TXT record from a DNS server on loopback, the policy from
 * an HTTPS server on loopback with its own test certificate, the MX hosts as fake upstreams.
 */
class MtaStsTest {
    private static final Duration LIMIT = Duration.ofSeconds(30);
    private static final String ENFORCE = "version: STSv1\r\nmode: enforce\r\nmx: mx.sts.test\r\nmx: *.backup.sts.test\r\nmax_age: 86400\r\n";

    @TempDir Path dir;
    private ServerTls mxTls;
    private ServerTls webTls;
    private final ListAppender<ILoggingEvent> log = new ListAppender<>();
    private Logger smtpLog;

    @BeforeEach
    void certificatesAndLog() throws Exception {
        mxTls = ServerTls.selfSigned(dir.resolve("mx"), "mx.sts.test");
        webTls = ServerTls.selfSigned(dir.resolve("web"), "mta-sts.sts.test");
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        log.setContext(ctx);
        log.start();
        smtpLog = ctx.getLogger("tempfail/smtp");
        smtpLog.addAppender(log);
    }

    @AfterEach
    void detach() {
        smtpLog.detachAppender(log);
    }

    private static MiniDns zone(MiniDns dns, String id) throws Exception {
        Name name = Name.fromString("_mta-sts.sts.test.");
        dns.remove("_mta-sts.sts.test");
        dns.add(new TXTRecord(name, DClass.IN, MiniDns.TTL, "v=STSv1; id=" + id + ";"));
        return dns.a("mta-sts.sts.test", "127.0.0.1");
    }

    private Relay relay(MiniDns dns, PolicyServer web, int mxPort, String queue) throws Exception {
        Map<String, String> env = new HashMap<>();
        env.put("TEMPFAIL_DELIVERY_ENABLED", "true");
        env.put("TEMPFAIL_DELIVERY_DNS_SERVERS", dns.toString());
        env.put("TEMPFAIL_DELIVERY_MX_PORT", "" + mxPort);
        env.put("TEMPFAIL_DELIVERY_TLS_CA", dir.resolve("mx/selfsigned-cert.pem").toString());
        env.put("TEMPFAIL_DELIVERY_MTA_STS_TEST_HTTPS_PORT", "" + web.port());
        env.put("TEMPFAIL_DELIVERY_MTA_STS_TEST_HTTPS_CA", dir.resolve("web/selfsigned-cert.pem").toString());
        return Relay.start(TestRelays.config(dir.resolve(queue), env), Clock.systemUTC(), TestRelays.FAST);
    }

    /** Returns the queue id. */
    private static String send(Relay relay, String to) throws Exception {
        return SmtpTestClient.queued(relay.smtpPort(), "app@example.org", List.of(to), "Subject: sts\r\n\r\nbody\r\n");
    }

    /** The first try of the message's first recipient, as the admin API shows it. */
    private static JsonNode firstTry(Relay relay, String queueId) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                "http://127.0.0.1:" + relay.adminPort() + "/api/queue/" + queueId)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return new ObjectMapper().readTree(r.body()).get("recipients").get(0).get("tries").get(0);
    }

    /** state, category, last_stage, last_text of the recipient. */
    private static List<String> recipient(Relay relay, String address) throws Exception {
        List<Object> r = Sql.row(relay.database(), "SELECT state, category, last_stage, last_text FROM recipient WHERE address = ?",
                address);
        return r == null ? List.of() : r.stream().map(v -> (String) v).toList();
    }

    private static String state(Relay relay, String address) throws Exception {
        List<String> r = recipient(relay, address);
        return r.isEmpty() ? "" : r.get(0);
    }

    /** tls and tls_verified of the recipient's last attempt. */
    private static String attemptTls(Relay relay, String address) throws Exception {
        List<Object> r = Sql.row(relay.database(), "SELECT a.tls, a.tls_verified FROM attempt a "
                + "JOIN recipient r ON r.id = a.recipient_id WHERE r.address = ? ORDER BY a.id DESC", address);
        assertTrue(r != null, "an attempt of " + address);
        return r.get(0) + " verified=" + r.get(1);
    }

    private boolean logged(String text) {
        return logLines().stream().anyMatch(line -> line.contains(text));
    }

    /**
     * What the relay has logged so far. The relay's threads append while the test reads, so the
     * list is copied under the appender's lock (AppenderBase.doAppend holds it while appending).
     */
    private List<String> logLines() {
        synchronized (log) {
            return log.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
        }
    }

    @Test
    void enforceSkipsAnUnlistedMxDeliversToTheListedOneOverVerifiedTlsAndCachesThePolicy() throws Exception {
        try (FakeUpstream up = FakeUpstream.builder().startTls(mxTls.context()).start();
             ServerSocket unlisted = new ServerSocket(up.port(), 5, InetAddress.getByName("127.0.0.2"));
             MiniDns dns = MiniDns.start();
             PolicyServer web = PolicyServer.start(webTls.context(), ENFORCE)) {
            // the preferred MX is not in the policy: enforce mode must not even connect to it
            zone(dns, "20261201a").mx("sts.test", 10, "mx.elsewhere.test").a("mx.elsewhere.test", "127.0.0.2")
                    .mx("sts.test", 20, "mx.sts.test").a("mx.sts.test", "127.0.0.1");
            try (Relay relay = relay(dns, web, up.port(), "q")) {
                String queueId = send(relay, "a@sts.test");
                Await.until(LIMIT, "delivered to the listed MX", () -> up.messages().size() == 1);
                Await.until(LIMIT, "recorded", () -> state(relay, "a@sts.test").equals("delivered"));
                assertTrue(up.messages().get(0).tls(), "over TLS");
                String tls = attemptTls(relay, "a@sts.test");
                assertTrue(tls.startsWith("TLSv1.") && tls.endsWith("verified=true"), tls);
                JsonNode shown = firstTry(relay, queueId);
                assertTrue(shown.get("tls").asText().startsWith("TLSv1."), shown.toString());
                assertTrue(shown.get("tls_verified").asBoolean(), shown.toString());
                Path cli = dir.resolve("cli.yaml");
                java.nio.file.Files.writeString(cli, "queue:\n  dir: " + dir.resolve("q") + "\nadmin:\n  listen: 127.0.0.1:"
                        + relay.adminPort() + "\n");
                Cli show = Cli.run("queue", "show", queueId, "--config", cli.toString());
                assertTrue(show.out().matches("(?s).*mx\\.sts\\.test\\[127\\.0\\.0\\.1:" + up.port()
                        + "] at data: delivered \\S+, verified TLSv1\\.[23] .*"), show.out());
                unlisted.setSoTimeout(1);
                assertThrows(SocketTimeoutException.class, unlisted::accept, "nothing connected to the unlisted MX");
                assertTrue(logged("MTA-STS policy of sts.test (mode enforce): mx.elsewhere.test does not match"), logLines().toString());
                assertEquals(1, web.fetches());

                send(relay, "b@sts.test");
                Await.until(LIMIT, "second delivered", () -> up.messages().size() == 2);
                assertEquals(1, web.fetches(), "the cached policy is used within its max_age: no second fetch");

                zone(dns, "20261201b"); // a new id: the policy is fetched again
                web.policy(ENFORCE.replace("mx: mx.sts.test\r\n", "mx: mx.sts.test\r\nmx: mx.elsewhere.test\r\n"));
                send(relay, "c@sts.test");
                Await.until(LIMIT, "third delivered", () -> state(relay, "c@sts.test").equals("delivered"));
                assertEquals(2, web.fetches(), "a new TXT id means a new fetch");
            }
        }
    }

    @Test
    void enforceWithNoListedMxDefersWithItsOwnCategoryAndTheStoredPolicyOutlivesARestart() throws Exception {
        try (FakeUpstream up = FakeUpstream.builder().startTls(mxTls.context()).start();
             MiniDns dns = MiniDns.start()) {
            zone(dns, "1").mx("sts.test", 10, "mx.elsewhere.test").a("mx.elsewhere.test", "127.0.0.1");
            PolicyServer web = PolicyServer.start(webTls.context(), ENFORCE);
            try (Relay relay = relay(dns, web, up.port(), "q")) {
                send(relay, "a@sts.test");
                Await.until(LIMIT, "deferred", () -> state(relay, "a@sts.test").equals("deferred"));
                List<String> r = recipient(relay, "a@sts.test");
                assertEquals("mta_sts", r.get(1), r.toString());
                assertTrue(r.get(3).contains("4.4.4 MTA-STS: no MX host of sts.test (mx.elsewhere.test) matches its policy"), r.toString());
                assertEquals(0, up.connections(), "nothing sent to a host the policy does not list");
                assertTrue(logged("no MX host matches; the mail waits"), logLines().toString());
            } finally {
                web.close();
            }
            // the policy server is gone now: a restarted relay keeps the policy it stored
            try (Relay relay = relay(dns, web, up.port(), "q")) {
                send(relay, "b@sts.test");
                Await.until(LIMIT, "deferred after the restart", () -> state(relay, "b@sts.test").equals("deferred"));
                assertEquals("mta_sts", recipient(relay, "b@sts.test").get(1));
                assertEquals(0, up.connections());
                assertEquals(1, web.fetches());
            }
        }
    }

    @Test
    void enforceRefusesAListedMxWhoseCertificateCannotBeVerified() throws Exception {
        ServerTls untrusted = ServerTls.selfSigned(dir.resolve("other"), "mx.sts.test"); // not the one in tls_ca
        try (FakeUpstream up = FakeUpstream.builder().startTls(untrusted.context()).start();
             MiniDns dns = MiniDns.start();
             PolicyServer web = PolicyServer.start(webTls.context(), ENFORCE)) {
            zone(dns, "1").mx("sts.test", 10, "mx.sts.test").a("mx.sts.test", "127.0.0.1");
            try (Relay relay = relay(dns, web, up.port(), "q")) {
                send(relay, "a@sts.test");
                Await.until(LIMIT, "deferred", () -> state(relay, "a@sts.test").equals("deferred"));
                List<String> r = recipient(relay, "a@sts.test");
                assertEquals(List.of("mta_sts", "starttls"), r.subList(1, 3), r.toString());
                assertTrue(r.get(3).startsWith("4.7.5 TLS with mx.sts.test") && r.get(3).contains("MTA-STS policy of sts.test"),
                        r.toString());
                assertTrue(up.messages().isEmpty(), "nothing sent, not even in clear text");
            }
        }
    }

    @Test
    void testingModeDeliversAndLogsWhatEnforceWouldHaveRefused() throws Exception {
        try (FakeUpstream up = FakeUpstream.builder().start(); // no STARTTLS at all
             MiniDns dns = MiniDns.start();
             PolicyServer web = PolicyServer.start(webTls.context(), ENFORCE.replace("mode: enforce", "mode: testing"))) {
            zone(dns, "1").mx("sts.test", 10, "mx.elsewhere.test").a("mx.elsewhere.test", "127.0.0.1");
            try (Relay relay = relay(dns, web, up.port(), "q")) {
                send(relay, "a@sts.test");
                Await.until(LIMIT, "delivered", () -> state(relay, "a@sts.test").equals("delivered"));
                assertEquals(1, up.messages().size());
                assertTrue(logged("MTA-STS policy of sts.test (mode testing): mx.elsewhere.test does not match the policy's mx "
                        + "[mx.sts.test, *.backup.sts.test]; enforce mode would not deliver there"), logLines().toString());
                assertTrue(logged("was used without TLS; enforce mode would have required verified TLS"), logLines().toString());
                assertTrue(attemptTls(relay, "a@sts.test").equals("null verified=null"), "clear text in the attempt record");
            }
        }
    }

    @Test
    void aPolicyThatCannotBeFetchedMeansDeliveryAsWithoutOne() throws Exception {
        try (FakeUpstream up = FakeUpstream.builder().start();
             MiniDns dns = MiniDns.start();
             PolicyServer web = PolicyServer.start(webTls.context(), ENFORCE).status(302)) {
            zone(dns, "1").mx("sts.test", 10, "mx.elsewhere.test").a("mx.elsewhere.test", "127.0.0.1");
            try (Relay relay = relay(dns, web, up.port(), "q")) {
                send(relay, "a@sts.test");
                Await.until(LIMIT, "delivered", () -> state(relay, "a@sts.test").equals("delivered"));
                assertEquals(1, web.fetches(), "asked once, the redirect not followed");
            }
        }
    }
}
