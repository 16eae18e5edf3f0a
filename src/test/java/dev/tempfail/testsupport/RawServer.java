package dev.tempfail.testsupport;

import dev.tempfail.smtp.Target;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A bare TCP server on 127.0.0.1 that runs a test's script for every connection: for the
 * conversations a real SMTP server will not have (multi-line greetings, no answer at all,
 * hanging up in the middle of DATA, not reading). Every connection runs on its own thread;
 * {@link #close()} closes them all.
 */
public final class RawServer implements AutoCloseable {

    @FunctionalInterface
    public interface Script {
        void run(Conversation c) throws IOException;
    }

    /** One accepted connection, line by line. */
    public final class Conversation {
        private final Socket socket;
        private final InputStream in;
        private final OutputStream out;

        private final int number;

        Conversation(Socket socket, int number) throws IOException {
            this.socket = socket;
            this.number = number;
            this.in = new BufferedInputStream(socket.getInputStream());
            this.out = socket.getOutputStream();
        }

        public Socket socket() { return socket; }

        /** 1 for the first connection to this server, 2 for the next, ... */
        public int number() { return number; }

        /** Sends each line with CRLF, in one write. */
        public void send(String... lines) throws IOException {
            StringBuilder sb = new StringBuilder();
            for (String l : lines) sb.append(l).append("\r\n");
            out.write(sb.toString().getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        /** The next line without its CRLF, or null at end of input. */
        public String readLine() throws IOException {
            return SmtpTestClient.readLine(in);
        }

        /** Reads lines up to the lone dot; returns them joined (still stuffed), or null at end of input. */
        public String readData() throws IOException {
            StringBuilder sb = new StringBuilder();
            String line;
            while ((line = readLine()) != null) {
                if (line.equals(".")) return sb.toString();
                sb.append(line).append("\r\n");
            }
            return null;
        }

        /** Neither reads nor writes until the server is closed: a peer that has stopped. */
        public void hold() {
            try {
                closed.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /** Reads until the client hangs up. */
        public void drain() throws IOException {
            while (in.read() >= 0) {
                // discard
            }
        }
    }

    private final ServerSocket server;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final List<Throwable> errors = new CopyOnWriteArrayList<>();
    private final CountDownLatch closed = new CountDownLatch(1);
    private final AtomicInteger connections = new AtomicInteger();

    private RawServer(ServerSocket server, Script script) {
        this.server = server;
        Thread acceptor = new Thread(() -> {
            while (!server.isClosed()) {
                Socket s;
                try {
                    s = server.accept();
                } catch (IOException e) {
                    return;
                }
                sockets.add(s);
                int number = connections.incrementAndGet();
                Thread t = new Thread(() -> {
                    try (s) {
                        script.run(new Conversation(s, number));
                    } catch (IOException e) {
                        // the client hung up or the test closed us: part of the game
                    } catch (Throwable e) {
                        errors.add(e);
                    }
                }, "raw-server-conversation");
                t.setDaemon(true);
                t.start();
            }
        }, "raw-server-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public static RawServer start(Script script) throws IOException {
        return start(0, script);
    }

    /** With {@code receiveBuffer > 0} the accepted sockets get that small a receive buffer (to make a client's writes block). */
    public static RawServer start(int receiveBuffer, Script script) throws IOException {
        return start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), receiveBuffer, script);
    }

    /** On a chosen loopback address and port, e.g. 127.0.0.2 on another server's port (a second MX host). */
    public static RawServer start(InetSocketAddress at, int receiveBuffer, Script script) throws IOException {
        ServerSocket ss = new ServerSocket();
        if (receiveBuffer > 0) ss.setReceiveBufferSize(receiveBuffer);
        ss.bind(at);
        return new RawServer(ss, script);
    }

    public Target target(String hostName) {
        return new Target(hostName, new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort()));
    }

    public int port() {
        return server.getLocalPort();
    }

    public int connections() {
        return connections.get();
    }

    /** Failures of the script other than I/O (assertion errors, bugs). */
    public List<Throwable> errors() {
        return List.copyOf(errors);
    }

    @Override
    public void close() throws IOException {
        closed.countDown();
        server.close();
        for (Socket s : sockets) s.close();
    }
}
