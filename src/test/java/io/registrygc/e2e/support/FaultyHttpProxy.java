package io.registrygc.e2e.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A TCP proxy in front of an HTTP server (s3proxy) that makes it behave like a real, distant and sometimes failing
 * S3: a fixed delay before each request is passed on (the latency of a real S3, tens of milliseconds, where s3proxy on
 * loopback answers in one), {@code 503 Slow Down} answers for the next N requests, and connections reset just after
 * a request they match was passed on (the server did it; the client never hears). Requests are told apart by the
 * traffic on a connection: the first bytes from the client after the server answered start a new request.
 *
 * <p>Also a command for the benchmark: {@code java -cp target/test-classes io.registrygc.e2e.support.FaultyHttpProxy
 * LISTEN_PORT TARGET_PORT DELAY_MS}.
 */
public final class FaultyHttpProxy implements AutoCloseable {

    private final ServerSocket listener;
    private final int targetPort;
    private final long delayMillis;
    private final AtomicInteger slowDowns = new AtomicInteger();
    private final AtomicInteger resets = new AtomicInteger();
    private volatile Predicate<String> resetWhen = line -> false;
    private final AtomicInteger requests = new AtomicInteger();
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();

    private FaultyHttpProxy(ServerSocket listener, int targetPort, long delayMillis) {
        this.listener = listener;
        this.targetPort = targetPort;
        this.delayMillis = delayMillis;
        Thread acceptor = new Thread(this::accept, "faulty-proxy-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public static FaultyHttpProxy start(int listenPort, int targetPort, long delayMillis) {
        try {
            ServerSocket listener = new ServerSocket();
            listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), listenPort));
            return new FaultyHttpProxy(listener, targetPort, delayMillis);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** In front of {@code target} on a free port. */
    public static FaultyHttpProxy inFrontOf(URI target, long delayMillis) {
        return start(0, target.getPort(), delayMillis);
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + listener.getLocalPort());
    }

    /** The next {@code count} requests are answered {@code 503 Slow Down} and not passed on. */
    public void slowDownNext(int count) {
        slowDowns.set(count);
    }

    /** The next {@code count} requests whose request line matches are passed on, then their connection is reset. */
    public void resetAfterForwarding(int count, Predicate<String> requestLine) {
        resetWhen = requestLine;
        resets.set(count);
    }

    /** S3's {@code DeleteObjects}: {@code POST /bucket?delete}. */
    public static boolean isDeleteObjects(String requestLine) {
        return requestLine.startsWith("POST ") && requestLine.contains("?delete");
    }

    public int requests() {
        return requests.get();
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                Socket server = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                client.setTcpNoDelay(true);
                server.setTcpNoDelay(true);
                open.add(client);
                open.add(server);
                Connection connection = new Connection(client, server);
                start(() -> connection.fromClient(), "faulty-proxy-up");
                start(() -> connection.fromServer(), "faulty-proxy-down");
            } catch (IOException e) {
                // closed, or a refused upstream: the client sees its connection drop
            }
        }
    }

    private static void start(Runnable task, String name) {
        Thread thread = new Thread(task, name);
        thread.setDaemon(true);
        thread.start();
    }

    private final class Connection {
        private final Socket client;
        private final Socket server;
        private volatile boolean newRequest = true;
        /** The request passed on is to end in a reset: its answer must not reach the client. */
        private volatile boolean swallowAnswer;

        Connection(Socket client, Socket server) {
            this.client = client;
            this.server = server;
        }

        void fromClient() {
            byte[] buffer = new byte[64 * 1024];
            try (InputStream in = client.getInputStream(); OutputStream out = server.getOutputStream()) {
                int read;
                while ((read = in.read(buffer)) >= 0) {
                    boolean reset = false;
                    if (newRequest) {
                        newRequest = false;
                        requests.incrementAndGet();
                        String line = requestLine(buffer, read);
                        if (slowDowns.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                            slowDown();
                            return;
                        }
                        reset = resetWhen.test(line) && resets.getAndUpdate(n -> Math.max(0, n - 1)) > 0;
                        swallowAnswer = reset;
                        if (delayMillis > 0) {
                            Thread.sleep(delayMillis);
                        }
                    }
                    out.write(buffer, 0, read);
                    out.flush();
                    if (reset) {
                        Thread.sleep(200); // the server carries the request out
                        client.setSoLinger(true, 0);
                        closeBoth();
                        return;
                    }
                }
            } catch (IOException | InterruptedException e) {
                // the other side went away
            } finally {
                closeBoth();
            }
        }

        void fromServer() {
            byte[] buffer = new byte[64 * 1024];
            try (InputStream in = server.getInputStream(); OutputStream out = client.getOutputStream()) {
                int read;
                while ((read = in.read(buffer)) >= 0) {
                    if (swallowAnswer) {
                        continue;
                    }
                    newRequest = true;
                    out.write(buffer, 0, read);
                    out.flush();
                }
            } catch (IOException e) {
                // the other side went away
            } finally {
                closeBoth();
            }
        }

        private void slowDown() throws IOException {
            byte[] body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>SlowDown</Code>"
                    + "<Message>Please reduce your request rate.</Message></Error>").getBytes(StandardCharsets.UTF_8);
            String head = "HTTP/1.1 503 Slow Down\r\nContent-Type: application/xml\r\nContent-Length: " + body.length
                    + "\r\nConnection: close\r\n\r\n";
            OutputStream out = client.getOutputStream();
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            closeBoth();
        }

        private void closeBoth() {
            for (Socket socket : new Socket[] {client, server}) {
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // closed already
                }
                open.remove(socket);
            }
        }
    }

    private static String requestLine(byte[] buffer, int length) {
        String text = new String(buffer, 0, Math.min(length, 512), StandardCharsets.ISO_8859_1);
        int end = text.indexOf("\r\n");
        return end < 0 ? text : text.substring(0, end);
    }

    @Override
    public void close() {
        try {
            listener.close();
        } catch (IOException ignored) {
            // closed already
        }
        for (Socket socket : open) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closed already
            }
        }
    }

    /** {@code LISTEN_PORT TARGET_PORT DELAY_MS}: runs until killed, then prints how many requests it passed on. */
    public static void main(String[] args) throws InterruptedException {
        FaultyHttpProxy proxy = start(Integer.parseInt(args[0]), Integer.parseInt(args[1]), Long.parseLong(args[2]));
        System.out.println("proxy on " + proxy.endpoint() + " -> 127.0.0.1:" + args[1] + ", " + args[2] + " ms a request");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            proxy.close();
            System.out.println("requests: " + proxy.requests());
        }));
        Thread.currentThread().join();
    }
}
