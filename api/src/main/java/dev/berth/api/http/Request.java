package dev.berth.api.http;

import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The head of one HTTP/1.1 request: method, path, query and headers (names lower-cased). */
public final class Request {
    /** Go's DefaultMaxHeaderBytes, which dockerd keeps: the whole head, any line of it. */
    static final int MAX_HEAD = 1 << 20;
    static final int MAX_HEADERS = 100;

    private final String method;
    private final String path;
    private final Map<String, List<String>> query;
    private final Map<String, String> headers;
    private final boolean http10;

    private Request(String method, String path, Map<String, List<String>> query, Map<String, String> headers,
        boolean http10) {
        this.method = method;
        this.path = path;
        this.query = query;
        this.headers = headers;
        this.http10 = http10;
    }

    public String method() {
        return method;
    }

    /** The decoded path, without the query. */
    public String path() {
        return path;
    }

    /** The last value of a query parameter, or null. */
    public String query(String name) {
        List<String> v = query.get(name);
        return v == null ? null : v.get(v.size() - 1);
    }

    /** Every value of a query parameter ({@code ?a=1&a=2}). */
    public List<String> queryAll(String name) {
        List<String> v = query.get(name);
        return v == null ? List.of() : v;
    }

    /** A header's value, or null; the name in any case. */
    public String header(String name) {
        return headers.get(name.toLowerCase(Locale.ROOT));
    }

    boolean http10() {
        return http10;
    }

    /** Reads the head; null when the connection ended cleanly before a new request. */
    static Request read(InputStream in) throws IOException, HttpException {
        int[] budget = {MAX_HEAD};
        String line = line(in, budget, true);
        while (line != null && line.isEmpty()) { // RFC 9112: ignore empty lines before a request
            line = line(in, budget, true);
        }
        if (line == null) {
            return null;
        }
        String[] parts = line.split(" ");
        if (parts.length != 3 || !parts[2].startsWith("HTTP/1.")) {
            throw new HttpException(400, "malformed request line");
        }
        Map<String, String> headers = new LinkedHashMap<>();
        for (int n = 0; ; n++) {
            String h = line(in, budget, false);
            if (h.isEmpty()) {
                break;
            }
            if (n >= MAX_HEADERS) {
                throw new HttpException(431, "too many header fields");
            }
            int colon = h.indexOf(':');
            if (colon <= 0 || h.charAt(0) == ' ' || h.charAt(0) == '\t') {
                throw new HttpException(400, "malformed header field");
            }
            String name = h.substring(0, colon).toLowerCase(Locale.ROOT);
            String value = h.substring(colon + 1).strip();
            headers.merge(name, value, (a, b) -> a + ", " + b);
        }
        String target = parts[1];
        int q = target.indexOf('?');
        String rawPath = q < 0 ? target : target.substring(0, q);
        if (!rawPath.startsWith("/")) {
            throw new HttpException(400, "the request target must be a path");
        }
        Map<String, List<String>> query = new LinkedHashMap<>();
        if (q >= 0) {
            for (String kv : target.substring(q + 1).split("&")) {
                if (kv.isEmpty()) {
                    continue;
                }
                int eq = kv.indexOf('=');
                String k = decode(eq < 0 ? kv : kv.substring(0, eq), true);
                String v = eq < 0 ? "" : decode(kv.substring(eq + 1), true);
                query.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
            }
        }
        return new Request(parts[0], decode(rawPath, false), query, headers, parts[2].equals("HTTP/1.0"));
    }

    private static String decode(String s, boolean plusIsSpace) throws HttpException {
        try {
            return URLDecoder.decode(plusIsSpace ? s : s.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new HttpException(400, "malformed percent-encoding in the request target");
        }
    }

    /** One CRLF- (or LF-) terminated line in ISO-8859-1; null at EOF before its first byte if allowed. */
    private static String line(InputStream in, int[] budget, boolean eofOk) throws IOException, HttpException {
        StringBuilder sb = new StringBuilder();
        for (;;) {
            int c = in.read();
            if (c < 0) {
                if (eofOk && sb.isEmpty()) {
                    return null;
                }
                throw new HttpException(400, "the connection ended inside the request head");
            }
            if (--budget[0] < 0) {
                throw new HttpException(431, "the request head is too large");
            }
            if (c == '\n') {
                int len = sb.length();
                if (len > 0 && sb.charAt(len - 1) == '\r') {
                    sb.setLength(len - 1);
                }
                return sb.toString();
            }
            sb.append((char) c);
        }
    }
}
