package dev.tempfail.route;

import dev.tempfail.testsupport.MiniDns;
import dev.tempfail.testsupport.MutableClock;
import dev.tempfail.testsupport.PolicyServer;
import dev.tempfail.testsupport.TestTls;
import dev.tempfail.tls.ServerTls;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Name;
import org.xbill.DNS.TXTRecord;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Policy lookups against a real DNS server and a real HTTPS server on loopback, on a test clock. */
class MtaStsPoliciesTest {
    private static final String POLICY = "version: STSv1\nmode: enforce\nmx: mx.sts.test\nmax_age: 86400\n";

    @TempDir
    Path dir;

    private static void txt(MiniDns dns, String id) throws Exception {
        dns.remove("_mta-sts.sts.test");
        dns.add(new TXTRecord(Name.fromString("_mta-sts.sts.test."), DClass.IN, MiniDns.TTL, "v=STSv1; id=" + id + ";"));
    }

    @Test
    void aFailedFetchWaitsFiveMinutesUnlessTheTxtIdChanges() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-12-01T10:00:00Z"));
        ServerTls web = ServerTls.selfSigned(dir.resolve("web"), "mta-sts.sts.test");
        try (MiniDns dns = MiniDns.start(); PolicyServer server = PolicyServer.start(web.context(), POLICY).status(404)) {
            txt(dns, "1");
            dns.a("mta-sts.sts.test", "127.0.0.1");
            Dns lookups = new Dns(List.of(new InetSocketAddress(dns.hostPort().host(), dns.hostPort().port())), Duration.ofSeconds(5));
            MtaStsPolicies policies = new MtaStsPolicies(lookups, new PolicyFetcher(new HostResolver(lookups), server.port(),
                    TestTls.trustingAnyCertificate().getSocketFactory(), Duration.ofSeconds(10)), MtaStsStore.NONE, clock);

            assertTrue(policies.lookup("sts.test").isEmpty());
            assertEquals(1, server.fetches());
            clock.advance(MtaStsPolicies.FAILED_FETCH_WAIT.minusSeconds(1));
            assertTrue(policies.lookup("sts.test").isEmpty());
            assertEquals(1, server.fetches(), "not asked again within the wait");

            txt(dns, "2");
            assertTrue(policies.lookup("sts.test").isEmpty());
            assertEquals(2, server.fetches(), "a new TXT id is a new policy: asked at once");

            server.status(200);
            clock.advance(MtaStsPolicies.FAILED_FETCH_WAIT.minusSeconds(1));
            assertTrue(policies.lookup("sts.test").isEmpty());
            assertEquals(2, server.fetches());
            clock.advance(Duration.ofSeconds(1));
            assertEquals("enforce", policies.lookup("sts.test").orElseThrow().policy().mode().label());
            assertEquals(3, server.fetches(), "asked again once the wait is over");
            assertTrue(policies.lookup("sts.test").isPresent());
            assertEquals(3, server.fetches(), "then the policy is cached for its max_age");
        }
    }
}
