package io.kaudit.live;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpPrincipal;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * A small HTTP/1.1 server on plain blocking sockets, built so that slow or hostile clients cannot
 * starve the others (slowloris): one thread per connection up to a cap (more connections are
 * answered 503 by a tiny pool of two threads, or closed when even that is busy), a deadline for the
 * request line and headers, a deadline for the whole request (body included), an idle timeout
 * between reads, and limits on the header section (431), the request line (414) and framing (400:
 * no request smuggling through both Content-Length and Transfer-Encoding, no obsolete folding).
 *
 * <p>Why not the JDK's {@code com.sun.net.httpserver}: it reads each request's headers on a thread
 * of the executor it is given, with no header deadline and no connection cap, so a fixed pool of N
 * threads is held by N clients sending one header byte every few seconds, and an unbounded pool
 * grows without limit. This server keeps the JDK's {@link HttpExchange} as the handler interface
 * (the live UI and its Server-Sent Events are written against it) and supports TLS through an
 * {@link SSLContext}, chunked bodies both ways, {@code Expect: 100-continue}, HEAD and keep-alive.
 * No dependency and no reflection (GraalVM native-image friendly).
 */
final class BoundedHttpServer {
    /**
     * @param maxConnections  connections served at once; more are answered 503
     * @param headerMillis    the request line and headers must arrive within this (else 408)
     * @param requestMillis   the whole request, body included, must arrive within this (else 408)
     * @param idleMillis      a keep-alive connection with no new request is closed after this
     * @param maxHeaderBytes  request line plus headers, at most (else 431; a request line alone over 8 KiB: 414)
     */
    record Limits(int maxConnections, long headerMillis, long requestMillis, long idleMillis, int maxHeaderBytes) {
        static final Limits DEFAULT = new Limits(512, 10_000, 60_000, 30_000, 32 * 1024);
    }

    /** Handles one request; the exchange is closed by the handler, maybe later on another thread. */
    interface Handler {
        void handle(HttpExchange ex) throws IOException;
    }

    /** Told about each request the server itself refuses (before a handler sees it): status, why, from where. */
    interface Refusals {
        void refused(int status, String why, String from);
    }

    private static final int MAX_REQUEST_LINE = 8 * 1024;
    private static final int MAX_HEADERS = 100;
    private static final byte[] CRLF = {'\r', '\n'};

    private final ServerSocket socket;
    private final SSLContext tls;
    private final Limits limits;
    private final long drainBytes;
    private final Handler handler;
    private final Refusals refusals;
    private final ExecutorService connections;
    private final ThreadPoolExecutor refusing;
    private final AtomicInteger open = new AtomicInteger();
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private volatile boolean stopped;
    private Thread acceptor;

    /** @param drainBytes how much of a body nobody read is read off (and dropped) so the client sees the answer */
    BoundedHttpServer(InetSocketAddress address, SSLContext tls, Limits limits, long drainBytes, Handler handler,
                      Refusals refusals) throws IOException {
        this.tls = tls;
        this.limits = limits;
        this.drainBytes = drainBytes;
        this.handler = handler;
        this.refusals = refusals;
        socket = new ServerSocket();
        socket.setReuseAddress(true);
        socket.bind(address, 1024);
        connections = Executors.newCachedThreadPool(r -> daemon(r, "kaudit-http"));
        refusing = new ThreadPoolExecutor(2, 2, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(64),
                r -> daemon(r, "kaudit-http-refuse"));
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    InetSocketAddress address() {
        return (InetSocketAddress) socket.getLocalSocketAddress();
    }

    /** Connections open now. */
    int connections() {
        return open.get();
    }

    void start() {
        acceptor = daemon(this::accept, "kaudit-http-accept");
        acceptor.start();
    }

    /** Closes the listener and every connection. */
    void stop() {
        stopped = true;
        try {
            socket.close();
        } catch (IOException e) {
            // closing anyway
        }
        for (Socket s : sockets) {
            closeQuietly(s);
        }
        connections.shutdownNow();
        refusing.shutdownNow();
    }

    private void accept() {
        while (!stopped) {
            Socket s;
            try {
                s = socket.accept();
            } catch (IOException e) {
                if (stopped) {
                    return;
                }
                try {
                    Thread.sleep(10);   // e.g. out of file descriptors: do not spin
                } catch (InterruptedException ie) {
                    return;
                }
                continue;
            }
            if (open.incrementAndGet() > limits.maxConnections()) {
                open.decrementAndGet();
                refuse(s);
                continue;
            }
            sockets.add(s);
            try {
                connections.execute(() -> serve(s));
            } catch (RejectedExecutionException e) {
                done(s);
            }
        }
    }

    /** Over the cap: 503 from the small refusing pool, or just closed when it is busy too. */
    private void refuse(Socket s) {
        String from = String.valueOf(s.getRemoteSocketAddress());
        try {
            refusing.execute(() -> {
                try (Socket raw = s) {
                    raw.setSoTimeout(1000);
                    Socket c = raw;
                    if (tls != null) {
                        SSLSocket ssl = wrap(raw);
                        ssl.startHandshake();
                        c = ssl;
                    }
                    refusals.refused(503, "too many connections (" + limits.maxConnections() + ")", from);
                    OutputStream out = c.getOutputStream();
                    writeSimple(out, 503, "too many connections; retry\n", true);
                    c.shutdownOutput();
                    lingerRead(c.getInputStream(), 1000);
                } catch (IOException | RuntimeException e) {
                    // the client went away
                }
            });
        } catch (RejectedExecutionException e) {
            refusals.refused(503, "too many connections (" + limits.maxConnections() + "), closed", from);
            closeQuietly(s);
        }
    }

    private SSLSocket wrap(Socket raw) throws IOException {
        SSLSocket ssl = (SSLSocket) tls.getSocketFactory().createSocket(raw, null, raw.getPort(), true);
        ssl.setUseClientMode(false);
        return ssl;
    }

    private void done(Socket s) {
        if (sockets.remove(s)) {
            open.decrementAndGet();
        }
        closeQuietly(s);
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // gone already
        }
    }

    /** Reads (and drops) what the client still sends, for up to {@code millis}, so a close does not reset our answer. */
    private static void lingerRead(InputStream in, long millis) {
        long end = System.currentTimeMillis() + millis;
        byte[] b = new byte[8192];
        try {
            while (System.currentTimeMillis() < end && in.read(b) >= 0) {
                // dropped
            }
        } catch (IOException e) {
            // done
        }
    }

    private static void writeSimple(OutputStream out, int status, String text, boolean close) throws IOException {
        byte[] body = text.getBytes(StandardCharsets.UTF_8);
        String head = "HTTP/1.1 " + status + " " + reason(status) + "\r\nContent-Type: text/plain; charset=utf-8\r\n"
                + (status == 503 ? "Retry-After: 1\r\n" : "") + (close ? "Connection: close\r\n" : "")
                + "Content-Length: " + body.length + "\r\n\r\n";
        out.write(head.getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
    }

    /** A request the server refuses itself: status and the text sent back. */
    private static final class Refused extends IOException {
        final int status;

        Refused(int status, String why) {
            super(why);
            this.status = status;
        }
    }

    /** One connection, request after request, until it closes, times out or misbehaves. */
    private void serve(Socket raw) {
        String from = String.valueOf(raw.getRemoteSocketAddress());
        Conn c = null;
        try {
            raw.setTcpNoDelay(true);
            raw.setSoTimeout((int) Math.max(1, limits.headerMillis()));
            Socket s = raw;
            if (tls != null) {
                SSLSocket ssl = wrap(raw);
                ssl.startHandshake();   // bounded by the read timeout set above
                s = ssl;
            }
            c = new Conn(s, from);
            boolean first = true;
            while (!stopped) {
                if (!c.request(first)) {
                    break;
                }
                first = false;
            }
        } catch (IOException | RuntimeException e) {
            // a broken connection, a failed handshake: nothing to answer
        } finally {
            done(raw);
        }
    }

    /** The reading side of one connection: a buffer, and a deadline every read respects. */
    private static final class DeadlineInput extends InputStream {
        private final Socket socket;
        private final InputStream in;
        private final byte[] buf = new byte[16 * 1024];
        private int pos;
        private int lim;
        private long deadline = Long.MAX_VALUE;
        private long idle;
        private long got;

        DeadlineInput(Socket socket) throws IOException {
            this.socket = socket;
            this.in = socket.getInputStream();
        }

        void deadline(long at, long idleMillis) {
            deadline = at;
            idle = idleMillis;
        }

        boolean buffered() {
            return pos < lim;
        }

        private boolean fill() throws IOException {
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) {
                throw new SocketTimeoutException("deadline");
            }
            socket.setSoTimeout((int) Math.max(1, Math.min(Math.min(left, idle), Integer.MAX_VALUE)));
            int n = in.read(buf);
            if (n < 0) {
                return false;
            }
            pos = 0;
            lim = n;
            got += n;
            return true;
        }

        @Override
        public int read() throws IOException {
            if (pos >= lim && !fill()) {
                return -1;
            }
            return buf[pos++] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            if (pos >= lim && !fill()) {
                return -1;
            }
            int n = Math.min(len, lim - pos);
            System.arraycopy(buf, pos, b, off, n);
            pos += n;
            return n;
        }

        /** One line (CRLF or LF), at most {@code max} bytes, or null at a clean end of stream before any byte. */
        String line(int max, int tooLong) throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream(128);
            while (true) {
                int c = read();
                if (c < 0) {
                    if (b.size() == 0) {
                        return null;
                    }
                    throw new EOFException("connection closed in the middle of a line");
                }
                if (c == '\n') {
                    byte[] l = b.toByteArray();
                    int n = l.length > 0 && l[l.length - 1] == '\r' ? l.length - 1 : l.length;
                    return new String(l, 0, n, StandardCharsets.ISO_8859_1);
                }
                if (b.size() >= max) {
                    throw new Refused(tooLong, tooLong == 414 ? "request line longer than " + max + " bytes"
                            : "request headers larger than " + max + " bytes");
                }
                b.write(c);
            }
        }
    }

    /** A connection: reads requests, hands them to the handler as exchanges, answers what it refuses itself. */
    private final class Conn {
        final Socket socket;
        final String from;
        final DeadlineInput in;
        final OutputStream out;

        Conn(Socket socket, String from) throws IOException {
            this.socket = socket;
            this.from = from;
            this.in = new DeadlineInput(socket);
            this.out = new java.io.BufferedOutputStream(socket.getOutputStream(), 16 * 1024);
        }

        /** Serves one request; false when the connection is to be closed. */
        boolean request(boolean first) throws IOException {
            long start = System.currentTimeMillis();
            // waiting for a request: the header deadline on a new connection, the idle timeout on a kept-alive one
            in.deadline(start + (first ? limits.headerMillis() : limits.idleMillis()), first ? limits.headerMillis()
                    : limits.idleMillis());
            long gotBefore = in.got;
            String requestLine;
            Headers headers = new Headers();
            try {
                requestLine = in.line(MAX_REQUEST_LINE, 414);
                while (requestLine != null && requestLine.isEmpty()) {
                    requestLine = in.line(MAX_REQUEST_LINE, 414);   // RFC 9112 2.2: blank lines before a request are ignored
                }
                if (requestLine == null) {
                    return false;
                }
                long headStart = System.currentTimeMillis();
                in.deadline(Math.min(start + limits.headerMillis() + (first ? 0 : limits.idleMillis()),
                        headStart + limits.headerMillis()), limits.headerMillis());
                readHeaders(headers, requestLine.length());
            } catch (Refused r) {
                refuse(r.status, r.getMessage(), true);
                return false;
            } catch (SocketTimeoutException t) {
                if (first || in.got > gotBefore) {   // a request begun (or never sent): told so; an idle keep-alive just closes
                    refuse(408, "request headers not received within " + limits.headerMillis() + " ms", true);
                }
                return false;
            }
            String[] parts = requestLine.split(" ", -1);
            if (parts.length != 3 || parts[0].isEmpty() || !parts[0].chars().allMatch(ch -> ch > 32 && ch < 127 && ch != '(')
                    || !parts[2].startsWith("HTTP/1.")) {
                refuse(400, "bad request line", true);
                return false;
            }
            URI uri;
            try {
                uri = new URI(parts[1]);
            } catch (java.net.URISyntaxException e) {
                refuse(400, "bad request target", true);
                return false;
            }
            String method = parts[0];
            String protocol = parts[2];
            boolean http10 = protocol.equals("HTTP/1.0");
            InputStream body;
            try {
                body = body(headers);
            } catch (Refused r) {
                refuse(r.status, r.getMessage(), true);
                return false;
            }
            in.deadline(start + limits.requestMillis() + (first ? 0 : limits.idleMillis()), limits.headerMillis());
            String connection = headers.getFirst("Connection");
            boolean keepAlive = http10 ? connection != null && connection.equalsIgnoreCase("keep-alive")
                    : connection == null || !connection.toLowerCase(Locale.ROOT).contains("close");
            boolean expect = "100-continue".equalsIgnoreCase(headers.getFirst("Expect")) && !http10;
            Exchange ex = new Exchange(this, method, uri, protocol, headers, body, expect, keepAlive);
            try {
                handler.handle(ex);
            } catch (IOException | RuntimeException e) {
                ex.close();
            }
            try {
                ex.closed.await();   // a stream of events is closed later, by its own thread
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
            if (ex.failed || !ex.keepAlive || stopped) {
                return false;
            }
            return ex.bodyFinished;
        }

        private void readHeaders(Headers headers, int used) throws IOException {
            int total = used;
            int count = 0;
            while (true) {
                String h = in.line(Math.max(1, limits.maxHeaderBytes() - total), 431);
                if (h == null) {
                    throw new EOFException("connection closed in the headers");
                }
                total += h.length() + 2;
                if (h.isEmpty()) {
                    return;
                }
                if (++count > MAX_HEADERS) {
                    throw new Refused(431, "more than " + MAX_HEADERS + " request headers");
                }
                if (h.charAt(0) == ' ' || h.charAt(0) == '\t') {
                    throw new Refused(400, "obsolete header line folding");
                }
                int colon = h.indexOf(':');
                if (colon <= 0 || h.charAt(colon - 1) == ' ' || h.charAt(colon - 1) == '\t') {
                    throw new Refused(400, "bad header line");
                }
                headers.add(h.substring(0, colon), h.substring(colon + 1).strip());
            }
        }

        /** The request body as framed by its headers (RFC 9112 6.3), refusing what could be read two ways. */
        private InputStream body(Headers headers) throws IOException {
            List<String> te = headers.get("Transfer-encoding");
            List<String> cl = headers.get("Content-length");
            if (te != null) {
                if (cl != null) {
                    throw new Refused(400, "both Transfer-Encoding and Content-Length");
                }
                if (te.size() != 1 || !te.get(0).equalsIgnoreCase("chunked")) {
                    throw new Refused(400, "unsupported Transfer-Encoding '" + String.join(", ", te) + "'");
                }
                return new ChunkedInput(in);
            }
            if (cl != null) {
                long n = -1;
                for (String v : cl) {
                    for (String part : v.split(",")) {
                        long p = parseLength(part.strip());
                        if (p < 0 || n >= 0 && p != n) {
                            throw new Refused(400, "bad Content-Length");
                        }
                        n = p;
                    }
                }
                return new FixedInput(in, n);
            }
            return new FixedInput(in, 0);
        }

        /** Answers a request the server refuses itself, counted for /metrics, and closes. */
        private void refuse(int status, String why, boolean close) {
            refusals.refused(status, why, from);
            try {
                writeSimple(out, status, why + "\n", close);
                socket.shutdownOutput();
                lingerRead(in, 500);
            } catch (IOException | UnsupportedOperationException e) {
                // the client went away
            }
        }
    }

    private static long parseLength(String s) {
        if (s.isEmpty() || s.length() > 18) {
            return -1;
        }
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return -1;
            }
        }
        return Long.parseLong(s);
    }

    /** A body of a known length. */
    private static final class FixedInput extends InputStream {
        private final InputStream in;
        private long left;

        FixedInput(InputStream in, long length) {
            this.in = in;
            this.left = length;
        }

        boolean finished() {
            return left == 0;
        }

        @Override
        public int read() throws IOException {
            byte[] b = new byte[1];
            return read(b, 0, 1) < 0 ? -1 : b[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left == 0) {
                return -1;
            }
            int n = in.read(b, off, (int) Math.min(len, left));
            if (n < 0) {
                throw new EOFException("body cut short: " + left + " bytes missing");
            }
            left -= n;
            return n;
        }
    }

    /** A chunked body (RFC 9112 7.1); chunk extensions and trailers are read and ignored. */
    private static final class ChunkedInput extends InputStream {
        private final DeadlineInput in;
        private long chunkLeft;
        private boolean done;

        ChunkedInput(DeadlineInput in) {
            this.in = in;
        }

        boolean finished() {
            return done;
        }

        @Override
        public int read() throws IOException {
            byte[] b = new byte[1];
            return read(b, 0, 1) < 0 ? -1 : b[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (done) {
                return -1;
            }
            if (chunkLeft == 0) {
                String size = in.line(1024, 400);
                if (size == null) {
                    throw new EOFException("chunked body cut short");
                }
                int semi = size.indexOf(';');
                String hex = (semi < 0 ? size : size.substring(0, semi)).strip();
                if (hex.isEmpty() || hex.length() > 15 || !hex.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
                    throw new IOException("bad chunk size '" + size + "'");
                }
                chunkLeft = Long.parseLong(hex, 16);
                if (chunkLeft == 0) {
                    for (int i = 0; ; i++) {   // trailers, up to the blank line
                        String t = in.line(8192, 400);
                        if (t == null || i > MAX_HEADERS) {
                            throw new EOFException("chunked body trailers cut short");
                        }
                        if (t.isEmpty()) {
                            break;
                        }
                    }
                    done = true;
                    return -1;
                }
            }
            int n = in.read(b, off, (int) Math.min(len, chunkLeft));
            if (n < 0) {
                throw new EOFException("chunked body cut short");
            }
            chunkLeft -= n;
            if (chunkLeft == 0) {
                String end = in.line(2, 400);
                if (end == null || !end.isEmpty()) {
                    throw new IOException("chunk not followed by CRLF");
                }
            }
            return n;
        }
    }

    /** A response body: counted for a fixed length, chunked, or up to the close. */
    private static final class ResponseOutput extends OutputStream {
        private final OutputStream out;
        private final boolean chunked;
        private final boolean none;
        private long left;
        private boolean closed;

        ResponseOutput(OutputStream out, boolean chunked, long length, boolean none) {
            this.out = out;
            this.chunked = chunked;
            this.left = length;
            this.none = none;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (closed) {
                throw new IOException("response body closed");
            }
            if (len == 0 || none) {
                return;
            }
            if (chunked) {
                out.write(Integer.toHexString(len).getBytes(StandardCharsets.US_ASCII));
                out.write(CRLF);
                out.write(b, off, len);
                out.write(CRLF);
            } else {
                if (left >= 0 && len > left) {
                    throw new IOException("response body longer than its Content-Length");
                }
                out.write(b, off, len);
                if (left >= 0) {
                    left -= len;
                }
            }
        }

        @Override
        public void flush() throws IOException {
            out.flush();
        }

        @Override
        public void close() throws IOException {
            if (closed) {
                return;
            }
            closed = true;
            if (chunked && !none) {
                out.write('0');
                out.write(CRLF);
                out.write(CRLF);
            }
            out.flush();
        }
    }

    /** One request and its response, as the JDK's handlers know them. */
    private final class Exchange extends HttpExchange {
        private final Conn conn;
        private final String method;
        private final URI uri;
        private final String protocol;
        private final Headers requestHeaders;
        private final Headers responseHeaders = new Headers();
        private final InputStream rawBody;
        private final Map<String, Object> attributes = new HashMap<>();
        private final CountDownLatch closed = new CountDownLatch(1);
        private InputStream body;
        private boolean expectContinue;
        private OutputStream response;
        private int code = -1;
        volatile boolean keepAlive;
        volatile boolean failed;
        volatile boolean bodyFinished;

        Exchange(Conn conn, String method, URI uri, String protocol, Headers requestHeaders, InputStream body,
                 boolean expectContinue, boolean keepAlive) {
            this.conn = conn;
            this.method = method;
            this.uri = uri;
            this.protocol = protocol;
            this.requestHeaders = requestHeaders;
            this.rawBody = body;
            this.expectContinue = expectContinue;
            this.keepAlive = keepAlive;
            this.body = new InputStream() {
                @Override
                public int read() throws IOException {
                    continueOnce();
                    return rawBody.read();
                }

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    continueOnce();
                    try {
                        return rawBody.read(b, off, len);
                    } catch (SocketTimeoutException e) {
                        failed = true;
                        throw new SocketTimeoutException("request body not received within "
                                + limits.requestMillis() + " ms");
                    }
                }
            };
        }

        /** {@code Expect: 100-continue}: the client is told to send its body once the handler reads it. */
        private void continueOnce() throws IOException {
            if (expectContinue) {
                expectContinue = false;
                if (code < 0) {
                    conn.out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    conn.out.flush();
                }
            }
        }

        @Override
        public Headers getRequestHeaders() {
            return requestHeaders;
        }

        @Override
        public Headers getResponseHeaders() {
            return responseHeaders;
        }

        @Override
        public URI getRequestURI() {
            return uri;
        }

        @Override
        public String getRequestMethod() {
            return method;
        }

        @Override
        public HttpContext getHttpContext() {
            return null;
        }

        @Override
        public void close() {
            try {
                if (code < 0) {
                    responseHeaders.clear();
                    sendResponseHeaders(500, -1);
                }
                response.close();
                finishBody();
            } catch (IOException | RuntimeException e) {
                failed = true;
            } finally {
                closed.countDown();
            }
        }

        /** Reads off what nobody read of the body (up to a limit), so the connection can carry the next request. */
        private void finishBody() {
            if (failed) {
                return;
            }
            if (expectContinue) {
                keepAlive = false;   // the client waits for our word before sending: it never comes
                return;
            }
            try {
                byte[] b = new byte[16 * 1024];
                long drained = 0;
                int n;
                while (drained <= drainBytes && (n = rawBody.read(b)) > 0) {
                    drained += n;
                }
                bodyFinished = rawBody instanceof FixedInput f ? f.finished() : ((ChunkedInput) rawBody).finished();
            } catch (IOException e) {
                failed = true;
            }
        }

        @Override
        public InputStream getRequestBody() {
            return body;
        }

        @Override
        public OutputStream getResponseBody() {
            if (response == null) {
                throw new IllegalStateException("sendResponseHeaders first");
            }
            return response;
        }

        @Override
        public void sendResponseHeaders(int rCode, long responseLength) throws IOException {
            if (code >= 0) {
                throw new IOException("headers already sent");
            }
            code = rCode;
            boolean head = method.equals("HEAD");
            boolean noBody = rCode == 204 || rCode == 304 || rCode < 200;
            boolean chunked = false;
            long length = -1;
            if (noBody || responseLength < 0) {
                length = 0;
                if (!noBody) {
                    responseHeaders.set("Content-Length", "0");
                }
            } else if (responseLength > 0) {
                length = responseLength;
                responseHeaders.set("Content-Length", Long.toString(responseLength));
            } else if (protocol.equals("HTTP/1.0")) {
                keepAlive = false;   // the end of the body is the close
            } else {
                chunked = true;
                responseHeaders.set("Transfer-Encoding", "chunked");
            }
            if (expectContinue && rCode >= 300) {
                keepAlive = false;   // answered without the body: the client may send it anyway or not at all
            }
            if (!keepAlive) {
                responseHeaders.set("Connection", "close");
            } else if (protocol.equals("HTTP/1.0")) {
                responseHeaders.set("Connection", "keep-alive");
            }
            StringBuilder sb = new StringBuilder(256);
            sb.append("HTTP/1.1 ").append(rCode).append(' ').append(reason(rCode)).append("\r\n");
            for (Map.Entry<String, List<String>> e : responseHeaders.entrySet()) {
                for (String v : e.getValue()) {
                    if (v.indexOf('\r') >= 0 || v.indexOf('\n') >= 0) {
                        throw new IOException("header " + e.getKey() + " holds a line break");
                    }
                    sb.append(e.getKey()).append(": ").append(v).append("\r\n");
                }
            }
            sb.append("\r\n");
            conn.out.write(sb.toString().getBytes(StandardCharsets.ISO_8859_1));
            response = new ResponseOutput(conn.out, chunked,
                    chunked ? -1 : length, head || noBody);
            if (length == 0 || head) {
                conn.out.flush();
            }
        }

        @Override
        public InetSocketAddress getRemoteAddress() {
            return (InetSocketAddress) conn.socket.getRemoteSocketAddress();
        }

        @Override
        public int getResponseCode() {
            return code;
        }

        @Override
        public InetSocketAddress getLocalAddress() {
            return (InetSocketAddress) conn.socket.getLocalSocketAddress();
        }

        @Override
        public String getProtocol() {
            return protocol;
        }

        @Override
        public Object getAttribute(String name) {
            return attributes.get(name);
        }

        @Override
        public void setAttribute(String name, Object value) {
            attributes.put(name, value);
        }

        @Override
        public void setStreams(InputStream i, OutputStream o) {
            throw new UnsupportedOperationException("filters are not supported");
        }

        @Override
        public HttpPrincipal getPrincipal() {
            return null;
        }
    }

    static String reason(int status) {
        return switch (status) {
            case 100 -> "Continue";
            case 200 -> "OK";
            case 204 -> "No Content";
            case 303 -> "See Other";
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 408 -> "Request Timeout";
            case 413 -> "Content Too Large";
            case 414 -> "URI Too Long";
            case 415 -> "Unsupported Media Type";
            case 431 -> "Request Header Fields Too Large";
            case 500 -> "Internal Server Error";
            case 503 -> "Service Unavailable";
            default -> "Status";
        };
    }
}
