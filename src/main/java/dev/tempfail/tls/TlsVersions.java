package dev.tempfail.tls;

import javax.net.ssl.SSLSocket;
import java.util.Arrays;

/** The protocol versions tempfail speaks, on both sides: TLS 1.2 and 1.3 (RFC 8996 retired the older ones). */
public final class TlsVersions {
    private static final String[] ALLOWED = {"TLSv1.3", "TLSv1.2"};

    private TlsVersions() {}

    /** Restricts the socket to TLS 1.2+, keeping the JDK's cipher suites and their order. */
    public static SSLSocket restrict(SSLSocket socket) {
        String[] supported = socket.getSupportedProtocols();
        socket.setEnabledProtocols(Arrays.stream(ALLOWED).filter(p -> Arrays.asList(supported).contains(p)).toArray(String[]::new));
        return socket;
    }
}
