package dev.tempfail.route;

/** How the next hops of a domain were found. */
public enum Via {
    /** A {@code delivery.routes} entry for the domain or a parent domain. */
    ROUTE,
    /** {@code delivery.smarthost}. */
    SMARTHOST,
    /** The domain's MX records. */
    MX,
    /** The domain's own A/AAAA records, as it has no MX records (RFC 5321 §5.1). */
    IMPLICIT_MX,
    /** The domain is an address literal such as {@code [192.0.2.1]}. */
    ADDRESS_LITERAL
}
