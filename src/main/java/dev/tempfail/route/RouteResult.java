package dev.tempfail.route;

import java.util.List;
import java.util.Objects;

/** What {@link Router#route(String)} found: hosts to try, or why there are none. */
public sealed interface RouteResult {

    /**
     * Addresses to try, best first; never empty, at most {@code delivery.mx_address_limit} long.
     *
     * @param via         how they were found
     * @param destination the name concurrency limits and throttles are kept under: the best MX
     *                    host (the first name in alphabetical order among those of the lowest
     *                    preference, so it does not change with the random order of equal-preference
     *                    hosts), the domain for an implicit MX, {@code host:port} of a route or the
     *                    smarthost, or {@code [address]} for an address literal
     * @param hops        the addresses in the order to try them
     */
    record Hosts(Via via, String destination, List<NextHop> hops) implements RouteResult {
        public Hosts {
            Objects.requireNonNull(via, "via");
            Objects.requireNonNull(destination, "destination");
            hops = List.copyOf(hops);
            if (hops.isEmpty()) throw new IllegalArgumentException("no hops");
        }
    }

    /** No hosts now; try again later. {@code status} is an RFC 3463 code such as {@code 4.4.3}. */
    record TemporaryFailure(String status, String reason) implements RouteResult {
        public TemporaryFailure {
            if (!status.startsWith("4.")) throw new IllegalArgumentException("not a temporary status: " + status);
            Objects.requireNonNull(reason, "reason");
        }
    }

    /** The domain cannot receive mail; give up. {@code status} is an RFC 3463 code such as {@code 5.1.2}. */
    record PermanentFailure(String status, String reason) implements RouteResult {
        public PermanentFailure {
            if (!status.startsWith("5.")) throw new IllegalArgumentException("not a permanent status: " + status);
            Objects.requireNonNull(reason, "reason");
        }
    }
}
