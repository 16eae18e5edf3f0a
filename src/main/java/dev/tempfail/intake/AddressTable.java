package dev.tempfail.intake;

import java.net.InetAddress;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What intake remembers per client address between sessions (failed logins, messages in the
 * rate window), bounded: past {@link #MAX_ADDRESSES} the address least recently seen is
 * forgotten, so a flood from many addresses cannot grow the heap. Not thread-safe: the owner
 * synchronises.
 */
final class AddressTable<V> {
    static final int MAX_ADDRESSES = 10_000;

    private final Map<InetAddress, V> byAddress = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<InetAddress, V> eldest) {
            return size() > MAX_ADDRESSES;
        }
    };

    V get(InetAddress address) {
        return byAddress.get(address);
    }

    void put(InetAddress address, V value) {
        byAddress.put(address, value);
    }

    void remove(InetAddress address) {
        byAddress.remove(address);
    }

    int size() {
        return byAddress.size();
    }
}
