package dev.tempfail.config;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The delivery keys the router reads: DNS servers and timeout, MX address limit and port. */
class DeliveryDnsConfigTest {

    @Test
    void defaults() {
        DeliveryConfig d = ConfigLoader.defaults().delivery();
        assertEquals(List.of(), d.dnsServers());
        assertEquals(Duration.ofSeconds(5), d.dnsTimeout());
        assertEquals(5, d.mxAddressLimit());
        assertEquals(25, d.mxPort());
    }

    @Test
    void environmentOverrides() {
        DeliveryConfig d = ConfigLoader.load(null, Map.of(
                "TEMPFAIL_DELIVERY_DNS_SERVERS", "127.0.0.1:5353, [::1]:53, 127.0.0.2",
                "TEMPFAIL_DELIVERY_DNS_TIMEOUT", "250ms",
                "TEMPFAIL_DELIVERY_MX_ADDRESS_LIMIT", "2",
                "TEMPFAIL_DELIVERY_MX_PORT", "2525")).delivery();
        assertEquals(List.of(new HostPort("127.0.0.1", 5353), new HostPort("::1", 53), new HostPort("127.0.0.2", 53)),
                d.dnsServers());
        assertEquals(Duration.ofMillis(250), d.dnsTimeout());
        assertEquals(2, d.mxAddressLimit());
        assertEquals(2525, d.mxPort());
    }

    @Test
    void aDnsServerMustBeAnIpAddress() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(null,
                Map.of("TEMPFAIL_DELIVERY_DNS_SERVERS", "dns.example.com:53")));
        assertEquals("delivery.dns_servers", e.key());
        assertTrue(e.reason().contains("dns.example.com"), e.reason());
    }

    @Test
    void theDnsTimeoutMustBeShortButNotZero() {
        for (String bad : List.of("0", "50ms", "2m")) {
            ConfigException e = assertThrows(ConfigException.class,
                    () -> ConfigLoader.load(null, Map.of("TEMPFAIL_DELIVERY_DNS_TIMEOUT", bad)), bad);
            assertEquals("delivery.dns_timeout", e.key());
        }
    }
}
