package dev.tempfail.route;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@link Router#limit}: the address cap, and IPv4/IPv6 balance within it (no DNS involved). */
class AddressLimitTest {

    @Test
    void shortListsAreKeptAsTheyAre() {
        List<NextHop> hops = hops("4", "6", "4");
        assertEquals(hops, AddressLimit.limit(hops, 5));
    }

    @Test
    void oneFamilyIsCutToTheLimitInOrder() {
        assertEquals(hops("4a", "4b", "4c"), AddressLimit.limit(hops("4a", "4b", "4c", "4d", "4e"), 3));
    }

    @Test
    void aFewIpv4AddressesAreNotCrowdedOutByManyIpv6Ones() {
        // Six IPv6 addresses first, then one IPv4: a plain cut at 5 would try no IPv4 at all.
        assertEquals(hops("6a", "6b", "6c", "6d", "4a"),
                AddressLimit.limit(hops("6a", "6b", "6c", "6d", "6e", "6f", "4a"), 5));
    }

    @Test
    void aFewIpv6AddressesAreNotCrowdedOutByManyIpv4Ones() {
        assertEquals(hops("4a", "4b", "4c", "4d", "6a"),
                AddressLimit.limit(hops("4a", "4b", "4c", "4d", "4e", "4f", "6a"), 5));
    }

    @Test
    void manyOfBothAreSplitEvenlyWithTheOddOneToTheFamilyListedFirst() {
        assertEquals(hops("4a", "6a", "4b", "6b", "4c"),
                AddressLimit.limit(hops("4a", "6a", "4b", "6b", "4c", "6c", "4d", "6d"), 5));
        assertEquals(hops("6a", "4a", "6b", "4b", "6c"),
                AddressLimit.limit(hops("6a", "4a", "6b", "4b", "6c", "4c", "6d", "4d"), 5));
        assertEquals(hops("4a", "4b", "6a", "6b"),
                AddressLimit.limit(hops("4a", "4b", "4c", "6a", "6b", "6c"), 4));
    }

    /** "4a" is 127.0.0.1, "4b" 127.0.0.2, ...; "6a" is ::1, "6b" ::2, ... */
    private static List<NextHop> hops(String... names) {
        List<NextHop> out = new ArrayList<>();
        for (String n : names) {
            int i = n.length() > 1 ? n.charAt(1) - 'a' + 1 : out.size() + 1;
            String ip = n.charAt(0) == '4' ? "127.0.0." + i : "::" + i;
            try {
                out.add(new NextHop("mx" + n, new InetSocketAddress(InetAddress.getByName(ip), 25)));
            } catch (UnknownHostException e) {
                throw new AssertionError(e);
            }
        }
        return out;
    }
}
