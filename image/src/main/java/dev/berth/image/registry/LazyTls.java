package dev.berth.image.registry;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.KeyManagementException;
import java.security.SecureRandom;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;

/**
 * A TLS context made when a connection first needs it. The JDK's HTTP client wants one when it
 * is built, and making it (the JSSE provider, its cipher suites and defaults) took ~30 ms of a
 * cold JVM, which a plain-http registry on loopback (tried with http first) never uses. The
 * client is built with empty {@link SSLParameters}: the engine then keeps its own defaults.
 */
final class LazyTls {
    /** Makes the real context. */
    interface Source {
        SSLContext get() throws IOException;
    }

    private LazyTls() {}

    static SSLContext context(Source source) {
        return new SSLContext(new Spi(source), null, "TLS") { };
    }

    private static final class Spi extends SSLContextSpi {
        private final Source source;
        private SSLContext real;

        Spi(Source source) {
            this.source = source;
        }

        private synchronized SSLContext real() {
            if (real == null) {
                try {
                    real = source.get();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            return real;
        }

        @Override
        protected void engineInit(KeyManager[] km, TrustManager[] tm, SecureRandom sr) throws KeyManagementException {
            throw new KeyManagementException("a lazy TLS context is made from its source, not initialized");
        }

        @Override
        protected SSLSocketFactory engineGetSocketFactory() {
            return real().getSocketFactory();
        }

        @Override
        protected SSLServerSocketFactory engineGetServerSocketFactory() {
            return real().getServerSocketFactory();
        }

        @Override
        protected SSLEngine engineCreateSSLEngine() {
            return real().createSSLEngine();
        }

        @Override
        protected SSLEngine engineCreateSSLEngine(String host, int port) {
            return real().createSSLEngine(host, port);
        }

        @Override
        protected SSLSessionContext engineGetServerSessionContext() {
            return real().getServerSessionContext();
        }

        @Override
        protected SSLSessionContext engineGetClientSessionContext() {
            return real().getClientSessionContext();
        }

        @Override
        protected SSLParameters engineGetDefaultSSLParameters() {
            return real().getDefaultSSLParameters();
        }

        @Override
        protected SSLParameters engineGetSupportedSSLParameters() {
            return real().getSupportedSSLParameters();
        }
    }
}
