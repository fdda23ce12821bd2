package dev.forkd.spring;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A strict HTTP/1.1 keep-alive client, as wrk is: it reuses its connection until the server says
 * {@code Connection: close}, never retries, and counts as failed any request that gets no complete 200.
 */
public final class HttpLoad {
    /** One client connection. */
    public static final class Client implements Closeable {
        private final int port;
        private Socket socket;

        public Client(int port) {
            this.port = port;
        }

        /** GET {@code path}: the body of a 200; IOException for anything else. */
        public String get(String path) throws IOException {
            if (socket == null) socket = new Socket(InetAddress.getLoopbackAddress(), port);
            try {
                OutputStream out = socket.getOutputStream();
                out.write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                InputStream in = socket.getInputStream();
                String head = readHead(in);
                String status = head.substring(0, head.indexOf("\r\n"));
                String lower = head.toLowerCase(java.util.Locale.ROOT);
                byte[] body;
                int cl = lower.indexOf("\r\ncontent-length:");
                if (cl >= 0) {
                    int end = lower.indexOf("\r\n", cl + 2);
                    body = in.readNBytes(Integer.parseInt(head.substring(cl + 17, end).trim()));
                } else if (lower.contains("\r\ntransfer-encoding: chunked")) {
                    body = readChunked(in);
                } else {
                    body = in.readAllBytes();
                    close();
                }
                if (lower.contains("\r\nconnection: close")) close();
                if (!status.contains(" 200 ")) throw new IOException("status " + status);
                return new String(body, StandardCharsets.UTF_8);
            } catch (IOException | RuntimeException e) {
                close();
                throw e instanceof IOException io ? io : new IOException(e);
            }
        }

        private static String readHead(InputStream in) throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            int matched = 0;
            while (matched < 4) {
                int c = in.read();
                if (c < 0) throw new IOException("connection closed before a response" + (b.size() > 0 ? " (got '" + b + "')" : ""));
                b.write(c);
                matched = (c == '\r' && matched % 2 == 0) || (c == '\n' && matched % 2 == 1) ? matched + 1 : 0;
            }
            return b.toString(StandardCharsets.US_ASCII);
        }

        private static byte[] readChunked(InputStream in) throws IOException {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            while (true) {
                String line = readLine(in);
                int size = Integer.parseInt(line.split(";")[0].trim(), 16);
                if (size == 0) {
                    readLine(in);
                    return body.toByteArray();
                }
                body.write(in.readNBytes(size));
                readLine(in);
            }
        }

        private static String readLine(InputStream in) throws IOException {
            StringBuilder s = new StringBuilder();
            int c;
            while ((c = in.read()) != '\n') {
                if (c < 0) throw new IOException("connection closed in a chunked body");
                if (c != '\r') s.append((char) c);
            }
            return s.toString();
        }

        @Override
        public void close() {
            if (socket == null) return;
            try {
                socket.close();
            } catch (IOException ignored) {
                // gone anyway
            }
            socket = null;
        }
    }

    public final AtomicInteger ok = new AtomicInteger();
    public final AtomicInteger failed = new AtomicInteger();
    public final List<String> errors = new CopyOnWriteArrayList<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread[] threads;

    /** Starts {@code clients} keep-alive clients, each sending GET {@code path} back to back. */
    public HttpLoad(int port, String path, int clients) {
        threads = new Thread[clients];
        for (int i = 0; i < clients; i++) {
            threads[i] = Thread.ofVirtual().start(() -> {
                try (Client c = new Client(port)) {
                    while (running.get()) {
                        try {
                            c.get(path);
                            ok.incrementAndGet();
                        } catch (IOException e) {
                            failed.incrementAndGet();
                            if (errors.size() < 5) errors.add(e.toString());
                        }
                    }
                }
            });
        }
    }

    /** Stops the clients; returns once they have. */
    public void stop() throws InterruptedException {
        running.set(false);
        for (Thread t : threads) t.join();
    }

    @Override
    public String toString() {
        return ok.get() + " ok, " + failed.get() + " failed " + errors;
    }
}
