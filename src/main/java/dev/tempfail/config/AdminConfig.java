package dev.tempfail.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;

/**
 * The HTTP admin listener (API and dashboard).
 *
 * @param token the bearer token every API call must carry; required as soon as {@code listen}
 *              is not a loopback address, since the API can delete and bounce mail
 */
public record AdminConfig(HostPort listen, Optional<String> token) {
    static AdminConfig from(Settings s) {
        HostPort listen = s.hostPort("admin.listen", -1);
        Optional<String> token = s.isNull("admin.token") ? Optional.empty() : Optional.of(s.text("admin.token").trim());
        if (token.isPresent() && token.get().length() < 16) {
            throw s.error("admin.token", "must be at least 16 characters (e.g. the output of: openssl rand -hex 32)");
        }
        if (token.isEmpty() && !isLoopback(listen.host())) {
            throw s.error("admin.listen", listen + " is not a loopback address: set admin.token (anyone who reaches the "
                    + "admin API can hold, delete and bounce mail)");
        }
        return new AdminConfig(listen, token);
    }

    private static boolean isLoopback(String host) {
        try {
            for (InetAddress a : InetAddress.getAllByName(host)) if (!a.isLoopbackAddress()) return false;
            return true;
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
