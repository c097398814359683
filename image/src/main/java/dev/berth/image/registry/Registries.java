package dev.berth.image.registry;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * How registries are reached, as docker decides it: https verified with the system's CAs (the
 * distribution's bundle, not the JDK's own list) plus a registry's own CA from
 * {@code /etc/docker/certs.d/HOST[:PORT]/*.crt} (or {@code /etc/containers/certs.d}); plain http
 * only for registries named insecure ({@code --insecure-registry HOST[:PORT]},
 * {@code BERTH_INSECURE_REGISTRIES=a,b}) and for the loopback ones (localhost, 127.0.0.0/8,
 * ::1), which docker also treats as insecure. As docker, berth tries https first for those and
 * falls back to http, except on loopback, where http goes first (see Transport.ping); an entry
 * written {@code http://HOST[:PORT]} skips the https attempt (for servers that do not answer a
 * TLS hello at all). Docker Hub's API lives at registry-1.docker.io.
 */
public final class Registries {
    private static final List<Path> SYSTEM_BUNDLES = List.of(Path.of("/etc/ssl/certs/ca-certificates.crt"),
        Path.of("/etc/pki/tls/certs/ca-bundle.crt"), Path.of("/etc/ssl/cert.pem"));
    private final Set<String> insecure = new LinkedHashSet<>();
    private final Set<String> httpOnly = new LinkedHashSet<>();
    private final List<Path> certsDirs = new ArrayList<>(List.of(Path.of("/etc/docker/certs.d"),
        Path.of("/etc/containers/certs.d")));

    /** With the insecure registries of {@code BERTH_INSECURE_REGISTRIES} (comma or space separated). */
    public static Registries fromEnv() {
        Registries r = new Registries();
        String env = System.getenv("BERTH_INSECURE_REGISTRIES");
        if (env != null) {
            for (String s : env.replace(',', ' ').split(" ")) {
                if (!s.isBlank()) {
                    r.add(s);
                }
            }
        }
        return r;
    }

    /** Adds registries that may be reached over plain http ({@code HOST} or {@code HOST:PORT}). */
    public Registries insecure(Collection<String> hosts) {
        for (String h : hosts) {
            add(h);
        }
        return this;
    }

    /** {@code http://HOST[:PORT]} means plain http only: no https attempt first. */
    private void add(String h) {
        insecure.add(normalize(h));
        if (h.strip().toLowerCase(Locale.ROOT).startsWith("http://")) {
            httpOnly.add(normalize(h));
        }
    }

    /** True when {@code domain} was named as {@code http://HOST[:PORT]}: no https is tried. */
    public boolean isHttpOnly(String domain) {
        return httpOnly.contains(normalize(domain));
    }

    /** Looks for per-registry CAs in {@code dir/HOST[:PORT]/*.crt} first (tests, private setups). */
    public Registries certsDir(Path dir) {
        certsDirs.add(0, dir);
        return this;
    }

    private static String normalize(String h) {
        String s = h.strip().toLowerCase(Locale.ROOT);
        if (s.startsWith("http://")) {
            s = s.substring(7);
        } else if (s.startsWith("https://")) {
            s = s.substring(8);
        }
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    /** True when {@code domain} (host[:port]) may be spoken to over plain http. */
    public boolean isInsecure(String domain) {
        String d = normalize(domain);
        String h = host(d);
        if (insecure.contains(d) || insecure.contains(h)) {
            return true;
        }
        return isLoopback(domain);
    }

    /** True when {@code domain} is on loopback (localhost, 127.0.0.0/8, ::1): insecure, and tried with http first. */
    public boolean isLoopback(String domain) {
        String h = host(normalize(domain));
        return h.equals("localhost") || h.startsWith("127.") || h.equals("[::1]");
    }

    /** The host part of host[:port] (an IPv6 address keeps its brackets). */
    static String host(String domain) {
        if (domain.startsWith("[")) {
            int close = domain.indexOf(']');
            return close < 0 ? domain : domain.substring(0, close + 1);
        }
        int colon = domain.indexOf(':');
        return colon < 0 ? domain : domain.substring(0, colon);
    }

    /** Where the API of {@code domain} is: Docker Hub's is not at docker.io. */
    public String apiHost(String domain) {
        return domain.equals("docker.io") ? "registry-1.docker.io" : domain;
    }

    /**
     * The TLS context for {@code domain}: the system CAs and the registry's own from certs.d.
     * They are read when a server first shows a certificate, not before: parsing the ~140 system
     * CAs on a cold JVM took ~0.3 s, which a loopback registry answering plain http (https is
     * tried first, and fails before any certificate) never needs.
     */
    SSLContext sslContext(String domain) throws IOException {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new javax.net.ssl.TrustManager[] {new LazyTrust(() -> trustManager(domain))}, null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot set up TLS for " + domain + ": " + e.getMessage(), e);
        }
    }

    /** The system CAs and the registry's own: a PKIX trust manager (with the host name check). */
    private X509ExtendedTrustManager trustManager(String domain) throws IOException, GeneralSecurityException {
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        int n = 0;
        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        for (Path bundle : SYSTEM_BUNDLES) {
            if (Files.isRegularFile(bundle)) {
                n += add(ks, cf, bundle, "system");
                break;
            }
        }
        for (Path dir : certsDirs) {
            Path d = dir.resolve(domain);
            if (!Files.isDirectory(d)) {
                continue;
            }
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(d, "*.crt")) {
                for (Path p : ds) {
                    n += add(ks, cf, p, "own");
                }
            }
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(n == 0 ? null : ks); // no system bundle: the JDK's own CAs
        for (javax.net.ssl.TrustManager tm : tmf.getTrustManagers()) {
            if (tm instanceof X509ExtendedTrustManager x) {
                return x;
            }
        }
        throw new GeneralSecurityException("the JDK has no X.509 trust manager");
    }

    /** How the trust manager is made: once, when first needed. */
    private interface TrustSource {
        X509ExtendedTrustManager get() throws IOException, GeneralSecurityException;
    }

    /** A trust manager made on first use; what it cannot read is the handshake's failure. */
    private static final class LazyTrust extends X509ExtendedTrustManager {
        private final TrustSource source;
        private X509ExtendedTrustManager delegate;

        LazyTrust(TrustSource source) {
            this.source = source;
        }

        private synchronized X509ExtendedTrustManager delegate() throws CertificateException {
            if (delegate == null) {
                try {
                    delegate = source.get();
                } catch (IOException | GeneralSecurityException e) {
                    throw new CertificateException(e.getMessage(), e);
                }
            }
            return delegate;
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, java.net.Socket socket)
            throws CertificateException {
            delegate().checkServerTrusted(chain, authType, socket);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, javax.net.ssl.SSLEngine engine)
            throws CertificateException {
            delegate().checkServerTrusted(chain, authType, engine);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            delegate().checkServerTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, java.net.Socket socket)
            throws CertificateException {
            delegate().checkClientTrusted(chain, authType, socket);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, javax.net.ssl.SSLEngine engine)
            throws CertificateException {
            delegate().checkClientTrusted(chain, authType, engine);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            delegate().checkClientTrusted(chain, authType);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            try {
                return delegate().getAcceptedIssuers();
            } catch (CertificateException e) {
                return new X509Certificate[0];
            }
        }
    }

    private static int add(KeyStore ks, CertificateFactory cf, Path pem, String prefix) throws IOException {
        int n = 0;
        // read whole: the X.509 factory reads a stream a byte at a time (the system bundle's 220 KB
        // were 220,000 read(2) calls, ~0.8 s of every https connection set-up)
        try (InputStream in = new java.io.ByteArrayInputStream(Files.readAllBytes(pem))) {
            for (Certificate c : cf.generateCertificates(in)) {
                ks.setCertificateEntry(prefix + "-" + pem.getFileName() + "-" + n++, c);
            }
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot read the certificates in " + pem + ": " + e.getMessage()
                + "; fix or remove the file", e);
        }
        return n;
    }
}
