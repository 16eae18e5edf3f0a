/**
 * Where a domain's mail goes. {@link dev.tempfail.route.Router#route(String)} answers, for one
 * recipient domain, either the list of addresses to try in order, or why there are none — a
 * temporary failure (try again later) or a permanent one (bounce now), each with an RFC 3463
 * status code.
 *
 * <p>Checked in order: {@code delivery.routes} (exact domain, then the longest parent domain),
 * {@code delivery.smarthost}, then DNS: MX records (RFC 5321 §5.1), the domain's own A/AAAA
 * records as an implicit MX, null MX (RFC 7505), address literals ({@code [192.0.2.1]}).
 *
 * <p>Pure logic apart from DNS questions (and the MTA-STS policy fetch). The questions go
 * straight to the configured resolvers with dnsjava's {@code SimpleResolver}: no cache (the
 * resolver has one), no search path, and a short, configured timeout. Nothing here keeps threads of its own.
 *
 * <p>One class per job: {@code Router} (the order of the checks), {@code RouteTable},
 * {@code ConfiguredHosts}, {@code AddressLiterals}, {@code MxRouting}, {@code HostResolver}
 * (A and AAAA at once), {@code AddressLimit} (the address limit, both families kept),
 * {@code DomainNames} and {@code Dns} (one question to the resolvers).
 *
 * <p>MTA-STS (RFC 8461) discovery lives here too: {@code MtaStsPolicies} (the TXT record, the
 * cache, when to fetch), {@code PolicyFetcher} (the HTTPS GET, resolved through {@code Dns}),
 * {@code MtaStsPolicy} (the format and MX patterns). What a policy does to a delivery is the
 * delivery package's ({@code MtaStsGate}); the persistent cache is behind {@code MtaStsStore},
 * which the queue database implements, and the TLS socket factory comes from the caller, so
 * this package sees neither the database nor our TLS settings.
 *
 * <p>May import: config. Never imported by: queue, smtp, reply, dsn, config.
 */
package dev.tempfail.route;
