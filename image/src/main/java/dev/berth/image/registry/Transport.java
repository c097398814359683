package dev.berth.image.registry;

import dev.berth.runtime.json.Json;
import dev.berth.runtime.json.JsonException;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;

/**
 * HTTP to one registry, with what the distribution protocol adds to it:
 *
 * <ul>
 *   <li>the first request is {@code GET /v2/}: it picks the scheme (https, then http for an
 *       insecure registry) and learns the {@code WWW-Authenticate} challenge;
 *   <li>Bearer: a token from the challenge's realm for the request's scopes
 *       ({@code repository:NAME:pull,push}), sent with Basic credentials when there are some,
 *       cached per scope set until it expires; Basic: the credentials on every request; a 401
 *       later (an expired token) gets one fresh token and one retry;
 *   <li>redirects (blob storage) are followed here, and Authorization goes along only to the
 *       same host or a subdomain of it, never from https to http, as Go's client (and so docker)
 *       decides, plus docker's rule that docker.com and docker.io hosts trust each other.
 * </ul>
 *
 * Failures become {@link RegistryException}s with one line naming the fix.
 */
final class Transport {
    static {
        // the JDK client reads a body in 16 KiB buffers, each handed from its selector thread to
        // the reader: a 200 MB pull from loopback took 1.6 s with them and 0.97 s with 128 KiB
        // (bench/image.sh). Read once, when the client's classes initialize: before any client.
        if (System.getProperty("jdk.httpclient.bufsize") == null) {
            System.setProperty("jdk.httpclient.bufsize", Integer.toString(128 * 1024));
        }
    }

    private static final int MAX_REDIRECTS = 10;
    private final String domain;
    private final Registries registries;
    private final Credentials credentials;
    private final Map<String, Token> tokens = new ConcurrentHashMap<>();
    private HttpClient http;
    private URI base;
    private volatile Challenge challenge;

    private record Token(String header, long expiresAt) {}

    private HttpClient client;

    Transport(String domain, Registries registries, Credentials credentials) {
        this.domain = domain;
        this.registries = registries;
        this.credentials = credentials;
    }

    String domain() {
        return domain;
    }

    boolean hasCredentials() {
        return credentials != null;
    }

    /** {@code https://HOST/} or {@code http://HOST/}, found by the first request. */
    synchronized URI base() throws IOException {
        if (base == null) {
            ping();
        }
        return base;
    }

    /**
     * GET /v2/ without credentials: the scheme and the challenge. An insecure registry is tried
     * with https first, then http, as docker does; a loopback one the other way round: nothing
     * on loopback can be overheard, nearly every local registry speaks plain http, and the https
     * attempt (a TLS hello on a cold JVM, refused by a plain server) took ~100 ms of every pull
     * from one. A TLS server answers the plain request with 400 (or drops it): then https.
     */
    private void ping() throws IOException {
        String host = registries.apiHost(domain);
        boolean insecure = registries.isInsecure(domain);
        boolean loopback = registries.isLoopback(domain);
        IOException first = null;
        boolean plainRefused = false; // loopback: http answered 400 or failed, https is tried next
        String[] schemes = registries.isHttpOnly(domain) ? new String[] {"http"}
            : loopback ? new String[] {"http", "https"}
            : insecure ? new String[] {"https", "http"} : new String[] {"https"};
        for (String scheme : schemes) {
            URI uri = URI.create(scheme + "://" + host + "/v2/");
            HttpClient client = client(scheme);
            HttpResponse<InputStream> r;
            try {
                r = client.send(HttpRequest.newBuilder(uri).GET().timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            } catch (IOException e) {
                if (first == null) {
                    first = e;
                }
                if (loopback && scheme.equals("http")) {
                    plainRefused = true;
                    continue;
                }
                if (loopback) {
                    // a plain server that dropped the http request refuses the TLS hello too: the
                    // http error is the real one; a certificate failure is the https one
                    throw failure(e instanceof SSLException && !(e instanceof SSLHandshakeException) && first != null && first != e
                        ? first : e);
                }
                if (insecure && scheme.equals("https")) {
                    continue; // docker too tries https first, then http
                }
                boolean certificate = first instanceof SSLHandshakeException && !(e instanceof SSLException);
                throw failure(certificate ? first : e);
            } catch (InterruptedException e) {
                throw interrupted(e);
            }
            r.body().close();
            if (r.statusCode() == 400 && loopback && scheme.equals("http")) {
                plainRefused = true;
                continue; // "Client sent an HTTP request to an HTTPS server": a TLS port
            }
            if (r.statusCode() == 400 && first instanceof SSLException && !plainRefused) {
                throw failure(first); // a TLS server's answer to plain http: the https error is the real one
            }
            if (r.statusCode() == 401) {
                challenge = Challenge.pick(r.headers().allValues("WWW-Authenticate"));
            } else if (r.statusCode() == 404) {
                throw new RegistryException.Protocol(domain + " does not speak the registry API v2 (GET " + uri
                    + " answered 404); check the registry name");
            } else if (r.statusCode() >= 500) {
                throw new RegistryException.Protocol(domain + " answered " + r.statusCode() + " to GET " + uri
                    + "; the registry is failing, try again later");
            }
            http = client;
            base = URI.create(scheme + "://" + host + "/");
            return;
        }
        if (first == null) { // http answered 400 and https did not answer either: say what http said
            throw new RegistryException.Protocol(domain + " answered 400 to GET http://" + host + "/v2/ and https failed;"
                + " check the registry's address");
        }
        throw failure(first);
    }

    /**
     * Stops the HTTP client's selector thread. A JVM that halts while a thread waits in native
     * code (the selector's epoll_wait) waits up to 300 ms for it (HotSpot's VM_Exit): that was a
     * third of a cold pull's wall time.
     */
    synchronized void close() {
        if (client != null) {
            client.shutdownNow();
            try {
                client.awaitTermination(Duration.ofSeconds(2));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            client = null;
            http = null;
            base = null;
        }
    }

    /**
     * One client for both schemes (its TLS context serves https only): making a client costs
     * ~25 ms on a cold JVM, and a loopback registry is tried with https and then http.
     */
    private synchronized HttpClient client(String scheme) throws IOException {
        if (client == null) {
            client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(30))
                .sslContext(LazyTls.context(() -> registries.sslContext(domain)))
                .sslParameters(new javax.net.ssl.SSLParameters()).build(); // the engine's defaults, not computed now
        }
        return client;
    }

    /** The challenge from /v2/ (null when the registry wants none). */
    Challenge challenge() throws IOException {
        base();
        return challenge;
    }

    /**
     * Checks the credentials as {@code login} does: a token for no scope from a Bearer realm,
     * or {@code GET /v2/} with Basic credentials.
     */
    void login() throws IOException {
        base();
        if (challenge == null) {
            return; // the registry wants no login; docker saves the credentials anyway
        }
        if (challenge.scheme().equals("bearer")) {
            token(new String[0], true);
            return;
        }
        HttpResponse<InputStream> r = send("GET", base.resolve("v2/"), null, null, new String[0]);
        r.body().close();
        if (r.statusCode() == 401) {
            throw unauthorized(null);
        }
        if (r.statusCode() != 200) {
            throw error(r, "log in to");
        }
    }

    /**
     * Sends a request with the authorization its {@code scopes} need, following redirects;
     * the caller reads (and closes) the body and judges the status.
     *
     * @param headers name, value, name, value...; may be null
     * @param body made anew for each attempt; null for none
     */
    HttpResponse<InputStream> send(String method, URI uri, String[] headers, Supplier<HttpRequest.BodyPublisher> body,
        String[] scopes) throws IOException {
        base();
        String auth = authorization(scopes, false);
        HttpResponse<InputStream> r = follow(method, uri, headers, body, auth);
        if (r.statusCode() == 401) {
            Challenge c = Challenge.pick(r.headers().allValues("WWW-Authenticate"));
            if (c != null) {
                challenge = c;
                String fresh = authorization(scopes, true);
                // a new token is worth one retry; the same Basic credentials again are not
                if (fresh != null && (c.scheme().equals("bearer") || !fresh.equals(auth))) {
                    r.body().close();
                    r = follow(method, uri, headers, body, fresh);
                }
            }
        }
        return r;
    }

    /**
     * A blob's GET on a socket of its own ({@link PlainGet}) when the registry is reached over
     * plain http, with the authorization its scopes need; null when the registry speaks https or
     * the answer is not a plain body (then the caller sends the request through {@link #send}).
     */
    PlainGet.Response plainGet(URI uri, String[] headers, String[] scopes) throws IOException {
        if (!"http".equals(base().getScheme()) || !"http".equals(uri.getScheme())) {
            return null;
        }
        String auth = authorization(scopes, false);
        try {
            return PlainGet.get(uri, headers, auth);
        } catch (RegistryException e) {
            throw e;
        } catch (java.nio.channels.ClosedByInterruptException e) {
            throw e; // the stall watchdog's interrupt: the puller retries and says why
        } catch (IOException e) {
            throw failure(e);
        }
    }

    private HttpResponse<InputStream> follow(String method, URI uri, String[] headers,
        Supplier<HttpRequest.BodyPublisher> body, String auth) throws IOException {
        URI at = uri;
        String m = method;
        Supplier<HttpRequest.BodyPublisher> b = body;
        for (int hop = 0; ; hop++) {
            HttpRequest.Builder rb = HttpRequest.newBuilder(at)
                .method(m, b == null ? HttpRequest.BodyPublishers.noBody() : b.get());
            if (headers != null) {
                for (int i = 0; i + 1 < headers.length; i += 2) {
                    rb.header(headers[i], headers[i + 1]);
                }
            }
            if (auth != null) {
                rb.header("Authorization", auth);
            }
            HttpResponse<InputStream> r;
            try {
                r = http.send(rb.build(), BufferStream.HANDLER);
            } catch (IOException e) {
                throw failure(e);
            } catch (InterruptedException e) {
                throw interrupted(e);
            }
            int s = r.statusCode();
            String location = r.headers().firstValue("Location").orElse(null);
            boolean redirect = s == 301 || s == 302 || s == 303 || s == 307 || s == 308;
            if (!redirect || location == null) {
                return r;
            }
            r.body().close();
            if (hop >= MAX_REDIRECTS) {
                throw new RegistryException.Protocol(domain + " redirected " + method + " " + uri + " more than "
                    + MAX_REDIRECTS + " times; the registry is misconfigured");
            }
            URI next = at.resolve(location);
            if (auth != null && !keepAuthorization(at, next)) {
                auth = null;
            }
            if (s == 303 || ((s == 301 || s == 302) && !m.equals("GET") && !m.equals("HEAD"))) {
                m = "GET";
                b = null;
            }
            at = next;
        }
    }

    /** Go's rule: the same host or a subdomain of it, never down to http; docker's hosts trust each other. */
    static boolean keepAuthorization(URI from, URI to) {
        if ("https".equals(from.getScheme()) && !"https".equals(to.getScheme())) {
            return false;
        }
        String a = from.getHost() == null ? "" : from.getHost().toLowerCase(Locale.ROOT);
        String b = to.getHost() == null ? "" : to.getHost().toLowerCase(Locale.ROOT);
        if (a.equals(b) && port(from) == port(to)) {
            return true;
        }
        if (b.endsWith("." + a)) {
            return true;
        }
        return "https".equals(to.getScheme()) && trustedDocker(a) && trustedDocker(b);
    }

    private static boolean trustedDocker(String host) {
        return host.equals("docker.com") || host.equals("docker.io") || host.endsWith(".docker.com")
            || host.endsWith(".docker.io");
    }

    private static int port(URI u) {
        return u.getPort() >= 0 ? u.getPort() : "https".equals(u.getScheme()) ? 443 : 80;
    }

    /** The Authorization header for these scopes, or null when none is needed or possible. */
    private String authorization(String[] scopes, boolean refresh) throws IOException {
        Challenge c = challenge;
        if (c == null) {
            return null;
        }
        if (c.scheme().equals("basic")) {
            return credentials == null ? null : credentials.basicHeader();
        }
        if (c.scheme().equals("bearer")) {
            return token(scopes, refresh);
        }
        return null;
    }

    private String token(String[] scopes, boolean refresh) throws IOException {
        String key = String.join(" ", scopes);
        Token t = tokens.get(key);
        if (!refresh && t != null && t.expiresAt() > System.currentTimeMillis()) {
            return t.header();
        }
        Challenge c = challenge;
        String realm = c.param("realm");
        if (realm == null || realm.isEmpty()) {
            throw new RegistryException.Protocol(domain + " asks for a Bearer token but names no realm; the registry is misconfigured");
        }
        StringBuilder q = new StringBuilder(realm);
        char sep = realm.indexOf('?') < 0 ? '?' : '&';
        if (c.param("service") != null) {
            q.append(sep).append("service=").append(enc(c.param("service")));
            sep = '&';
        }
        for (String s : scopes) {
            q.append(sep).append("scope=").append(enc(s));
            sep = '&';
        }
        URI uri;
        try {
            uri = URI.create(q.toString());
        } catch (IllegalArgumentException e) {
            throw new RegistryException.Protocol(domain + " names a bad token realm \"" + realm + "\"");
        }
        HttpRequest.Builder rb = HttpRequest.newBuilder(uri).GET().timeout(Duration.ofSeconds(60));
        if (credentials != null) {
            if (!"https".equals(uri.getScheme()) && !registries.isInsecure(uri.getHost() + (uri.getPort() < 0 ? ""
                : ":" + uri.getPort()))) {
                throw new RegistryException.Protocol(domain + " sends the login to " + realm
                    + " over plain http; refused (add it with --insecure-registry if that is intended)");
            }
            rb.header("Authorization", credentials.basicHeader());
        }
        HttpResponse<InputStream> r;
        try {
            r = client(uri.getScheme()).send(rb.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw failure(e);
        } catch (InterruptedException e) {
            throw interrupted(e);
        }
        byte[] bytes = read(r.body(), 1 << 20);
        if (r.statusCode() == 401 || r.statusCode() == 403) {
            throw unauthorized(null);
        }
        if (r.statusCode() != 200) {
            throw new RegistryException.Protocol("the token service " + uri.getHost() + " of " + domain + " answered "
                + r.statusCode() + "; try again later");
        }
        Map<String, Object> m;
        try {
            m = Json.parseObject(new String(bytes, StandardCharsets.UTF_8));
        } catch (JsonException e) {
            throw new RegistryException.Protocol("the token service of " + domain + " answered no JSON: " + e.getMessage());
        }
        String token = m.get("token") instanceof String s && !s.isEmpty() ? s
            : m.get("access_token") instanceof String s2 ? s2 : null;
        if (token == null || token.isEmpty()) {
            throw new RegistryException.Protocol("the token service of " + domain + " answered without a token");
        }
        long seconds = m.get("expires_in") instanceof Number n ? Math.max(60, n.longValue()) : 60;
        String header = "Bearer " + token;
        // renewed a little early, so a token never expires between this check and its use
        tokens.put(key, new Token(header, System.currentTimeMillis() + (seconds - 10) * 1000));
        return header;
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    // ---- errors ----

    RegistryException unauthorized(String repo) {
        String what = repo == null ? domain : domain + "/" + repo;
        if (credentials == null) {
            return new RegistryException.Unauthorized("unauthorized: " + what
                + " needs a login (or the repository does not exist); run 'berth login " + domain + "'");
        }
        return new RegistryException.Unauthorized("unauthorized: " + domain + " refused the login of \""
            + credentials.username() + "\"" + (repo == null ? "" : " for " + repo)
            + " (incorrect username or password, or no access); run 'berth login " + domain + "' again");
    }

    /** The registry's answer as an exception: its error code, and what to do about it. */
    RegistryException error(HttpResponse<InputStream> r, String what) throws IOException {
        return error(r, what, null, null);
    }

    RegistryException error(HttpResponse<InputStream> r, String what, String repo, String reference) throws IOException {
        byte[] body = read(r.body(), 64 * 1024);
        String code = "";
        String message = "";
        try {
            Map<String, Object> m = Json.parseObject(new String(body, StandardCharsets.UTF_8));
            if (m.get("errors") instanceof List<?> l && !l.isEmpty() && l.get(0) instanceof Map<?, ?> e) {
                code = String.valueOf(e.get("code"));
                message = String.valueOf(e.get("message"));
            }
        } catch (JsonException e) {
            // not the registry's JSON (a proxy's page): the status says enough
        }
        String name = repo == null ? domain : domain + "/" + repo;
        int s = r.statusCode();
        if (s == 401) {
            return unauthorized(repo);
        }
        if (s == 403) {
            return new RegistryException.Denied("denied: " + domain + " does not allow " + (credentials == null
                ? "anonymous users" : "\"" + credentials.username() + "\"") + " to " + what + " " + name
                + (message.isEmpty() ? "" : " (" + message + ")") + "; log in as a user who may, or use another repository");
        }
        if (s == 404 || code.equals("MANIFEST_UNKNOWN") || code.equals("NAME_UNKNOWN") || code.equals("BLOB_UNKNOWN")) {
            if (code.equals("NAME_UNKNOWN")) {
                return new RegistryException.NotFound("name unknown: repository " + name
                    + " does not exist; check the name");
            }
            if (code.equals("BLOB_UNKNOWN")) {
                return new RegistryException.NotFound("blob unknown: " + name + " lacks " + (reference == null ? "a blob"
                    : reference) + "; the image on the registry is incomplete, push it again");
            }
            return new RegistryException.NotFound("manifest unknown: " + name + " has no "
                + (reference == null ? "such manifest" : reference.startsWith("sha256:") ? "manifest " + reference
                : "tag \"" + reference + "\"") + "; check the tag ('berth pull --all-tags' or the registry's list)");
        }
        if (s == 429) {
            return new RegistryException.Denied("too many requests: " + domain + " limits the rate of pulls; wait, or log in"
                + " to get a higher limit");
        }
        if (s == 416) {
            return new RegistryException.Protocol(domain + " refused the requested range of " + name);
        }
        return new RegistryException.Protocol(domain + " answered " + s + " when asked to " + what + " " + name
            + (code.isEmpty() ? "" : ": " + code + (message.isEmpty() ? "" : " (" + message + ")"))
            + (s >= 500 ? "; the registry is failing, try again later" : ""));
    }

    /** A failure to reach the registry, with the fix for each kind. */
    RegistryException failure(IOException e) {
        if (e instanceof RegistryException re) {
            return re;
        }
        String host = registries.apiHost(domain);
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SSLHandshakeException || (t instanceof SSLException && t.getMessage() != null
                && t.getMessage().contains("certificate"))) {
                return new RegistryException.Unreachable("tls: cannot verify the certificate of " + host + " ("
                    + t.getMessage() + "); put the registry's CA in /etc/docker/certs.d/" + domain
                    + "/ca.crt, or if it speaks plain http, use --insecure-registry " + domain, e);
            }
            if (t instanceof SSLException) {
                return new RegistryException.Unreachable("tls: the connection to " + host + " failed (" + t.getMessage()
                    + "); if the registry speaks plain http, use --insecure-registry " + domain, e);
            }
            if (t instanceof HttpConnectTimeoutException || t instanceof HttpTimeoutException) {
                return new RegistryException.Unreachable("cannot connect to " + host + ": timed out; check the address"
                    + " and the network (proxy, firewall)", e);
            }
            if (t instanceof ConnectException) {
                return new RegistryException.Unreachable("cannot connect to " + host + ": connection refused; check"
                    + " that the registry is running and that the host and port are right", e);
            }
            if (t instanceof UnresolvedAddressException || t instanceof UnknownHostException) {
                return new RegistryException.Unreachable("cannot resolve " + host + "; check the registry name and DNS", e);
            }
        }
        return new RegistryException.Unreachable("the connection to " + host + " failed (" + e + "); try again", e);
    }

    private static RegistryException interrupted(InterruptedException e) {
        Thread.currentThread().interrupt();
        return new RegistryException.Unreachable("interrupted", e);
    }

    /** At most {@code max} bytes of a body, then closed. */
    static byte[] read(InputStream in, int max) throws IOException {
        try (in) {
            return in.readNBytes(max);
        }
    }
}
