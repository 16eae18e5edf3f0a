package dev.tempfail.route;

import dev.tempfail.config.DeliveryConfig;
import dev.tempfail.config.HostPort;
import dev.tempfail.testsupport.MiniDns;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Name;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.hosts.HostsFileParser;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.random.RandomGenerator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Routing against a real DNS server on 127.0.0.1 ({@link MiniDns}); no other server is ever asked. */
class RouterTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(2);

    @TempDir Path dir;
    @AutoClose private MiniDns dns;
    private HostsFileParser noHosts;

    @BeforeEach
    void startDns() throws IOException {
        dns = MiniDns.start();
        Path hosts = dir.resolve("hosts");
        Files.writeString(hosts, "# empty\n");
        noHosts = new HostsFileParser(hosts);
    }

    // ---- delivery.routes and delivery.smarthost ----

    @Test
    void routeForTheExactDomainIsUsedWithoutAskingDns() {
        RouteResult r = router(Map.of("example.com", "127.0.0.5:2626"), null).route("example.com");
        assertEquals(new RouteResult.Hosts(Via.ROUTE, "127.0.0.5:2626",
                List.of(hop("127.0.0.5", "127.0.0.5", 2626))), r);
        assertEquals(List.of(), dns.queries());
    }

    @Test
    void routeForAParentDomainMatchesSubdomainsAndTheLongestParentWins() {
        Router router = router(Map.of("example.com", "127.0.0.5:2601", "b.example.com", "127.0.0.6:2602"), null);
        assertEquals("127.0.0.6:2602", hosts(router.route("a.b.example.com")).destination());
        assertEquals("127.0.0.6:2602", hosts(router.route("b.example.com")).destination());
        assertEquals("127.0.0.5:2601", hosts(router.route("c.example.com")).destination());
        assertEquals("127.0.0.5:2601", hosts(router.route("X.Example.COM.")).destination());
        assertEquals(List.of(), dns.queries());
        // A parent match is by whole labels: notexample.com is not below example.com, so DNS is asked.
        RouteResult other = router.route("notexample.com");
        assertEquals(new RouteResult.PermanentFailure("5.1.2", "domain notexample.com does not exist (NXDOMAIN)"), other);
        assertEquals(List.of("notexample.com/MX"), dns.queries());
    }

    @Test
    void routeHostNameIsResolvedToItsAAndAaaaAddresses() {
        dns.a("relay.internal.test", "127.0.0.7").aaaa("relay.internal.test", "::1");
        RouteResult r = router(Map.of("example.com", "relay.internal.test:2525"), null).route("example.com");
        assertEquals(new RouteResult.Hosts(Via.ROUTE, "relay.internal.test:2525", List.of(
                hop("relay.internal.test", "127.0.0.7", 2525),
                hop("relay.internal.test", "::1", 2525))), r);
        assertEquals(0, dns.queryCount("example.com"), "no MX lookup for a route");
    }

    @Test
    void routeHostThatDoesNotExistDefersTheMailAsAConfigurationError() {
        RouteResult r = router(Map.of("example.com", "nowhere.internal.test:2525"), null).route("example.com");
        RouteResult.TemporaryFailure f = assertInstanceOf(RouteResult.TemporaryFailure.class, r);
        assertEquals("4.3.5", f.status());
        assertTrue(f.reason().contains("nowhere.internal.test") && f.reason().contains("NXDOMAIN")
                && f.reason().contains("delivery.routes"), f.reason());
    }

    @Test
    void routeHostThatCannotBeLookedUpIsATemporaryDnsFailure() {
        dns.servfail("relay.internal.test");
        RouteResult r = router(Map.of("example.com", "relay.internal.test"), null).route("example.com");
        assertEquals("4.4.3", assertInstanceOf(RouteResult.TemporaryFailure.class, r).status());
    }

    @Test
    void routeHostNameIsLookedUpInTheHostsFileFirst() throws IOException {
        Path hosts = dir.resolve("hosts-with-relay");
        Files.writeString(hosts, "127.0.0.9 relay.hosts.test\n");
        Router router = new Router(config(Map.of("example.com", "relay.hosts.test:2525"), null, TIMEOUT, 25),
                new Random(1), new HostsFileParser(hosts));
        assertEquals(List.of(hop("relay.hosts.test", "127.0.0.9", 2525)), hosts(router.route("example.com")).hops());
        assertEquals(List.of(), dns.queries());
    }

    @Test
    void smarthostTakesAllMailButRoutesComeFirst() {
        dns.mx("example.com", 10, "mx1.example.com").a("mx1.example.com", "127.0.0.2");
        Router router = router(Map.of("routed.example", "127.0.0.5:2601"), "127.0.0.8:2525");
        assertEquals(new RouteResult.Hosts(Via.SMARTHOST, "127.0.0.8:2525",
                List.of(hop("127.0.0.8", "127.0.0.8", 2525))), router.route("example.com"));
        assertEquals(Via.ROUTE, hosts(router.route("routed.example")).via());
        assertEquals(Via.SMARTHOST, hosts(router.route("[127.0.0.1]")).via());
        assertEquals(List.of(), dns.queries());
    }

    // ---- MX ----

    @Test
    void mxHostsAreTriedInOrderOfPreference() {
        dns.mx("example.com", 20, "mx2.example.com").mx("example.com", 10, "mx1.example.com")
                .mx("example.com", 30, "mx3.example.com")
                .a("mx1.example.com", "127.0.0.2").a("mx2.example.com", "127.0.0.3").a("mx3.example.com", "127.0.0.4");
        RouteResult r = router(Map.of(), null).route("example.com");
        assertEquals(new RouteResult.Hosts(Via.MX, "mx1.example.com", List.of(
                hop("mx1.example.com", "127.0.0.2", 25),
                hop("mx2.example.com", "127.0.0.3", 25),
                hop("mx3.example.com", "127.0.0.4", 25))), r);
    }

    @Test
    void mxHostsOfEqualPreferenceComeInRandomOrderButTheDestinationIsStable() {
        dns.mx("example.com", 10, "b.example.com").mx("example.com", 10, "a.example.com")
                .mx("example.com", 20, "c.example.com")
                .a("a.example.com", "127.0.0.2").a("b.example.com", "127.0.0.3").a("c.example.com", "127.0.0.4");
        Set<List<String>> orders = new HashSet<>();
        for (long seed = 0; seed < 16; seed++) {
            RouteResult.Hosts h = hosts(routerWith(new Random(seed)).route("example.com"));
            List<String> names = h.hops().stream().map(NextHop::hostName).toList();
            assertEquals("c.example.com", names.get(2), "the less preferred host stays last: " + names);
            assertEquals("a.example.com", h.destination());
            orders.add(names);
        }
        assertEquals(Set.of(
                List.of("a.example.com", "b.example.com", "c.example.com"),
                List.of("b.example.com", "a.example.com", "c.example.com")), orders);
        // The same seed gives the same order: tests and the lab can rely on it.
        assertEquals(hosts(routerWith(new Random(7)).route("example.com")),
                hosts(routerWith(new Random(7)).route("example.com")));
    }

    @Test
    void mxHostAddressesAlternateIpv4AndIpv6() {
        dns.mx("example.com", 10, "mx1.example.com")
                .a("mx1.example.com", "127.0.0.2", "127.0.0.3").aaaa("mx1.example.com", "::1");
        assertEquals(List.of(hop("mx1.example.com", "127.0.0.2", 25), hop("mx1.example.com", "::1", 25),
                        hop("mx1.example.com", "127.0.0.3", 25)),
                hosts(router(Map.of(), null).route("example.com")).hops());
    }

    @Test
    void addressesAreCappedByTheAddressLimitInMxOrder() {
        dns.mx("example.com", 10, "mx1.example.com").mx("example.com", 20, "mx2.example.com")
                .mx("example.com", 30, "mx3.example.com")
                .a("mx1.example.com", "127.0.1.1", "127.0.1.2", "127.0.1.3")
                .a("mx2.example.com", "127.0.2.1", "127.0.2.2", "127.0.2.3")
                .a("mx3.example.com", "127.0.3.1");
        List<NextHop> hops = hosts(router(Map.of(), null).route("example.com")).hops();
        assertEquals(Router.DEFAULT_MX_ADDRESS_LIMIT, hops.size());
        assertEquals(List.of("127.0.1.1", "127.0.1.2", "127.0.1.3", "127.0.2.1", "127.0.2.2"),
                hops.stream().map(h -> h.address().getAddress().getHostAddress()).toList());
    }

    @Test
    void anAddressSharedByTwoMxHostsIsTriedOnce() {
        dns.mx("example.com", 10, "mx1.example.com").mx("example.com", 20, "mx2.example.com")
                .a("mx1.example.com", "127.0.0.2").a("mx2.example.com", "127.0.0.2", "127.0.0.3");
        assertEquals(List.of(hop("mx1.example.com", "127.0.0.2", 25), hop("mx2.example.com", "127.0.0.3", 25)),
                hosts(router(Map.of(), null).route("example.com")).hops());
    }

    @Test
    void mxHostThatDoesNotResolveIsSkipped() {
        dns.mx("example.com", 10, "gone.example.com").mx("example.com", 15, "empty.example.com")
                .mx("example.com", 20, "mx2.example.com")
                .add(new TXTRecord(name("empty.example.com"), DClass.IN, 60, "no address here"))
                .a("mx2.example.com", "127.0.0.3");
        assertEquals(new RouteResult.Hosts(Via.MX, "mx2.example.com", List.of(hop("mx2.example.com", "127.0.0.3", 25))),
                router(Map.of(), null).route("example.com"));
    }

    @Test
    void mxHostsNoneOfWhichExistBounceWith544AsPostfixDoes() {
        dns.mx("example.com", 10, "gone1.example.com").mx("example.com", 20, "gone2.example.com");
        RouteResult.PermanentFailure f = assertInstanceOf(RouteResult.PermanentFailure.class,
                router(Map.of(), null).route("example.com"));
        assertEquals("5.4.4", f.status());
        assertTrue(f.reason().contains("gone1.example.com does not exist (NXDOMAIN)")
                && f.reason().contains("gone2.example.com"), f.reason());
    }

    @Test
    void mxHostsNoneOfWhichResolveButOneTimedOutAreDeferred() {
        dns.mx("example.com", 10, "gone.example.com").mx("example.com", 20, "slow.example.com")
                .timeout("slow.example.com");
        RouteResult.TemporaryFailure f = assertInstanceOf(RouteResult.TemporaryFailure.class,
                routerWithTimeout(Duration.ofMillis(300)).route("example.com"));
        assertEquals("4.4.3", f.status());
        assertTrue(f.reason().contains("slow.example.com: A: timed out"), f.reason());
    }

    @Test
    void mxHostThatIsACnameIsFollowed() {
        dns.mx("example.com", 10, "mail.example.com").cname("mail.example.com", "real.example.net")
                .a("real.example.net", "127.0.0.4");
        assertEquals(List.of(hop("mail.example.com", "127.0.0.4", 25)),
                hosts(router(Map.of(), null).route("example.com")).hops());
    }

    @Test
    void anMxAnswerTooBigForUdpIsAskedAgainOverTcp() {
        for (int i = 0; i < 60; i++) {
            dns.mx("big.example", 10 + i, "a-rather-long-mail-exchanger-name-number-" + i + ".big.example");
        }
        dns.a("a-rather-long-mail-exchanger-name-number-0.big.example", "127.0.0.2");
        RouteResult.Hosts h = hosts(router(Map.of(), null).route("big.example"));
        assertEquals(List.of(hop("a-rather-long-mail-exchanger-name-number-0.big.example", "127.0.0.2", 25)), h.hops());
        assertEquals(2, dns.queryCount("big.example", "MX"), "once over UDP (truncated), once over TCP");
        assertEquals(List.of("big.example/MX"), dns.tcpQueries());
    }

    @Test
    void theMxPortIsConfigurable() {
        dns.mx("example.com", 10, "mx1.example.com").a("mx1.example.com", "127.0.0.2");
        Router router = new Router(config(Map.of(), null, TIMEOUT, 2525), new Random(1), noHosts);
        assertEquals(List.of(hop("mx1.example.com", "127.0.0.2", 2525)), hosts(router.route("example.com")).hops());
        assertEquals(List.of(hop("127.0.0.1", "127.0.0.1", 2525)), hosts(router.route("[127.0.0.1]")).hops());
    }

    // ---- no MX ----

    @Test
    void domainWithoutMxIsItsOwnMailExchanger() {
        dns.a("example.org", "127.0.0.3").aaaa("example.org", "::1");
        assertEquals(new RouteResult.Hosts(Via.IMPLICIT_MX, "example.org", List.of(
                        hop("example.org", "127.0.0.3", 25), hop("example.org", "::1", 25))),
                router(Map.of(), null).route("example.org"));
    }

    @Test
    void nullMxBouncesWith5110WithoutLookingForAddresses() {
        dns.nullMx("nomail.example").a("nomail.example", "127.0.0.3");
        RouteResult r = router(Map.of(), null).route("nomail.example");
        assertEquals(new RouteResult.PermanentFailure("5.1.10",
                "domain nomail.example does not accept mail (null MX, RFC 7505)"), r);
        assertEquals(List.of("nomail.example/MX"), dns.queries());
    }

    @Test
    void domainThatDoesNotExistBouncesWith512() {
        assertEquals(new RouteResult.PermanentFailure("5.1.2", "domain example.invalid does not exist (NXDOMAIN)"),
                router(Map.of(), null).route("example.invalid"));
        assertEquals(List.of("example.invalid/MX"), dns.queries(), "no A lookup after NXDOMAIN");
    }

    @Test
    void domainWithNeitherMxNorAddressesBouncesWith512() {
        dns.add(new TXTRecord(name("text-only.example"), DClass.IN, 60, "v=spf1 -all"));
        assertEquals(new RouteResult.PermanentFailure("5.1.2", "domain text-only.example has no MX and no A/AAAA records"),
                router(Map.of(), null).route("text-only.example"));
        assertEquals(1, dns.queryCount("text-only.example", "A"));
        assertEquals(1, dns.queryCount("text-only.example", "AAAA"));
    }

    @Test
    void servfailIsATemporaryFailureAfterOneRetry() {
        dns.servfail("broken.example");
        RouteResult.TemporaryFailure f = assertInstanceOf(RouteResult.TemporaryFailure.class,
                router(Map.of(), null).route("broken.example"));
        assertEquals("4.4.3", f.status());
        assertTrue(f.reason().startsWith("cannot look up the MX records of broken.example: SERVFAIL"), f.reason());
        assertEquals(2, dns.queryCount("broken.example", "MX"));
    }

    @Test
    void unansweredQueryIsATemporaryFailureWithinTheConfiguredTimeout() {
        dns.timeout("slow.example");
        Duration timeout = Duration.ofMillis(400);
        Router router = routerWithTimeout(timeout);
        long start = System.nanoTime();
        RouteResult r = router.route("slow.example");
        long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
        RouteResult.TemporaryFailure f = assertInstanceOf(RouteResult.TemporaryFailure.class, r);
        assertEquals("4.4.3", f.status());
        assertTrue(f.reason().contains("timed out"), f.reason());
        // bounded by the timeout, not by dnsjava's own (seconds); the margin absorbs a busy CI machine
        assertTrue(elapsedMillis < timeout.toMillis() + 2_000, "took " + elapsedMillis + " ms");
        long tries = dns.queryCount("slow.example", "MX");
        assertTrue(tries >= 1 && tries <= 2, "at most two tries of half the timeout each: " + tries);
    }

    @Test
    void noDnsServerListeningIsATemporaryFailure() {
        int port = dns.port();
        dns.close();
        Router router = new Router(new DeliveryConfig(true, Optional.empty(), Map.of(), 1, 1, java.time.Duration.ZERO,
                List.of(new HostPort("127.0.0.1", port)), TIMEOUT, 5, 25, Optional.empty()), new Random(1), noHosts);
        RouteResult.TemporaryFailure f = assertInstanceOf(RouteResult.TemporaryFailure.class, router.route("example.com"));
        assertEquals("4.4.3", f.status());
    }

    // ---- address literals and odd names ----

    @Test
    void addressLiteralGoesToThatAddressOnPort25() {
        Router router = router(Map.of(), null);
        assertEquals(new RouteResult.Hosts(Via.ADDRESS_LITERAL, "[127.0.0.1]", List.of(hop("127.0.0.1", "127.0.0.1", 25))),
                router.route("[127.0.0.1]"));
        assertEquals(new RouteResult.Hosts(Via.ADDRESS_LITERAL, "[0:0:0:0:0:0:0:1]",
                List.of(hop("0:0:0:0:0:0:0:1", "::1", 25))), router.route("[IPv6:::1]"));
        for (String bad : List.of("[999.0.0.1]", "[localhost]", "[::1]", "[127.0.0.1", "[IPv6:zz::1]")) {
            RouteResult r = router.route(bad);
            assertEquals("5.1.2", assertInstanceOf(RouteResult.PermanentFailure.class, r, bad).status(), bad);
        }
        assertEquals(List.of(), dns.queries());
    }

    @Test
    void domainNamesAreMatchedWithoutRegardToCaseOrATrailingDot() {
        dns.mx("example.com", 10, "mx1.example.com").a("mx1.example.com", "127.0.0.2");
        Router router = router(Map.of(), null);
        assertEquals(hosts(router.route("example.com")), hosts(router.route("EXAMPLE.Com.")));
    }

    @Test
    void internationalizedDomainsAreLookedUpInTheirAsciiForm() {
        dns.mx("xn--bcher-kva.example", 10, "mx1.example.com").a("mx1.example.com", "127.0.0.2");
        assertEquals(Via.MX, hosts(router(Map.of(), null).route("bücher.example")).via());
        assertEquals(List.of("xn--bcher-kva.example/MX"), dns.queries().subList(0, 1));
    }

    @Test
    void anInvalidDomainNameIsPermanent() {
        RouteResult r = router(Map.of(), null).route("a..b.example");
        assertEquals("5.1.2", assertInstanceOf(RouteResult.PermanentFailure.class, r).status());
    }

    // ---- helpers ----

    private Router router(Map<String, String> routes, String smarthost) {
        return new Router(config(routes, smarthost, TIMEOUT, 25), new Random(1), noHosts);
    }

    private Router routerWith(RandomGenerator random) {
        return new Router(config(Map.of(), null, TIMEOUT, 25), random, noHosts);
    }

    private Router routerWithTimeout(Duration timeout) {
        return new Router(config(Map.of(), null, timeout, 25), new Random(1), noHosts);
    }

    private DeliveryConfig config(Map<String, String> routes, String smarthost, Duration timeout, int mxPort) {
        Map<String, HostPort> parsed = new LinkedHashMap<>();
        routes.forEach((domain, hop) -> parsed.put(domain, HostPort.parse(hop, 25)));
        return new DeliveryConfig(true, Optional.ofNullable(smarthost).map(s -> HostPort.parse(s, 25)), parsed, 1, 1, java.time.Duration.ZERO,
                List.of(dns.hostPort()), timeout, Router.DEFAULT_MX_ADDRESS_LIMIT, mxPort, Optional.empty());
    }

    private static RouteResult.Hosts hosts(RouteResult r) {
        return assertInstanceOf(RouteResult.Hosts.class, r, () -> "expected hosts, got " + r);
    }

    private static NextHop hop(String hostName, String ip, int port) {
        try {
            return new NextHop(hostName, new InetSocketAddress(InetAddress.getByName(ip), port));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static Name name(String s) {
        try {
            return Name.fromString(s, Name.root);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
