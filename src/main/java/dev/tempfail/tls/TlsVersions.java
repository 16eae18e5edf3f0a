package dev.tempfail.tls;

import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
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

    /** A factory whose sockets are restricted as {@link #restrict} does: for code that must not know these settings. */
    public static SSLSocketFactory restricting(SSLSocketFactory f) {
        return new SSLSocketFactory() {
            @Override public String[] getDefaultCipherSuites() { return f.getDefaultCipherSuites(); }
            @Override public String[] getSupportedCipherSuites() { return f.getSupportedCipherSuites(); }

            @Override public Socket createSocket(Socket s, String host, int port, boolean autoClose) throws IOException {
                return restrict((SSLSocket) f.createSocket(s, host, port, autoClose));
            }

            @Override public Socket createSocket(String host, int port) throws IOException {
                return restrict((SSLSocket) f.createSocket(host, port));
            }

            @Override public Socket createSocket(String host, int port, InetAddress local, int localPort) throws IOException {
                return restrict((SSLSocket) f.createSocket(host, port, local, localPort));
            }

            @Override public Socket createSocket(InetAddress host, int port) throws IOException {
                return restrict((SSLSocket) f.createSocket(host, port));
            }

            @Override public Socket createSocket(InetAddress host, int port, InetAddress local, int localPort) throws IOException {
                return restrict((SSLSocket) f.createSocket(host, port, local, localPort));
            }
        };
    }
}
