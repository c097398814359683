package dev.berth.api;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * dockerd's {@code --tlsverify}: the server's certificate and key, and a CA whose certificates
 * alone may connect, all PEM files as openssl writes them (the docs' recipe). A client without a
 * certificate signed by that CA fails the handshake: whoever reaches the port would be root here.
 */
public final class Tls {
    private static final Pattern BLOCK = Pattern.compile(
        "-----BEGIN ([A-Z ]+)-----([A-Za-z0-9+/=\\s]+)-----END \\1-----");
    /** AlgorithmIdentifier of rsaEncryption, for wrapping a PKCS#1 key into PKCS#8. */
    private static final byte[] RSA_ALGORITHM = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86,
        (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};
    /** OID 1.2.840.10045.2.1, id-ecPublicKey. */
    private static final byte[] EC_OID = {0x06, 0x07, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01};

    private final SSLContext context;

    private Tls(SSLContext context) {
        this.context = context;
    }

    /** Reads the three files; a missing or malformed one is a {@link DaemonException} naming it. */
    public static Tls load(Path ca, Path cert, Path key) throws DaemonException {
        try {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            List<Certificate> cas = certificates(ca);
            for (int i = 0; i < cas.size(); i++) {
                trust.setCertificateEntry("ca" + i, cas.get(i));
            }
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            char[] none = new char[0];
            PrivateKey pk = privateKey(key);
            List<Certificate> chain = certificates(cert);
            if (!pair(pk, chain.get(0))) {
                throw new DaemonException(cert + " was not made from the key " + key
                    + ": give the certificate signed for that key");
            }
            keys.setKeyEntry("server", pk, none, chain.toArray(Certificate[]::new));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, none);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
            return new Tls(ctx);
        } catch (GeneralSecurityException | IOException e) {
            throw new DaemonException("the TLS files do not go together (" + e.getMessage()
                + "): check that --tlscert was made from --tlskey");
        }
    }

    /** Whether the certificate carries the public half of {@code key}: a signature of one checks with the other. */
    private static boolean pair(PrivateKey key, Certificate cert) throws GeneralSecurityException {
        String alg = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            default -> key.getAlgorithm();
        };
        byte[] probe = "berth".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        java.security.Signature sign = java.security.Signature.getInstance(alg);
        sign.initSign(key);
        sign.update(probe);
        byte[] signature = sign.sign();
        java.security.Signature verify = java.security.Signature.getInstance(alg);
        try {
            verify.initVerify(cert.getPublicKey());
        } catch (java.security.InvalidKeyException e) {
            return false; // another kind of key altogether
        }
        verify.update(probe);
        return verify.verify(signature);
    }

    /** A listening socket on {@code host:port} that demands a client certificate from the CA. */
    public SSLServerSocket listen(String host, int port) throws IOException {
        SSLServerSocket s = (SSLServerSocket) context.getServerSocketFactory()
            .createServerSocket(port, 512, java.net.InetAddress.getByName(host));
        s.setNeedClientAuth(true);
        s.setEnabledProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
        return s;
    }

    private static List<Certificate> certificates(Path file) throws DaemonException, GeneralSecurityException {
        List<Certificate> out = new ArrayList<>();
        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        for (Pem p : pem(file)) {
            if (p.type.equals("CERTIFICATE")) {
                out.add(cf.generateCertificate(new ByteArrayInputStream(p.der)));
            }
        }
        if (out.isEmpty()) {
            throw new DaemonException(file + " holds no PEM certificate: give the file openssl wrote"
                + " (-----BEGIN CERTIFICATE-----)");
        }
        return out;
    }

    private static PrivateKey privateKey(Path file) throws DaemonException, GeneralSecurityException {
        for (Pem p : pem(file)) {
            switch (p.type) {
                case "PRIVATE KEY" -> {
                    return pkcs8(p.der, file);
                }
                case "RSA PRIVATE KEY" -> {
                    return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(
                        sequence(concat(new byte[] {0x02, 0x01, 0x00}, RSA_ALGORITHM, octets(p.der)))));
                }
                case "EC PRIVATE KEY" -> {
                    return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(
                        sequence(concat(new byte[] {0x02, 0x01, 0x00}, sequence(concat(EC_OID, curve(p.der, file))),
                            octets(p.der)))));
                }
                case "ENCRYPTED PRIVATE KEY" -> throw new DaemonException(file + " is encrypted: berth daemon"
                    + " starts unattended; write it without a passphrase (openssl pkey -in KEY -out KEY)");
                default -> { }
            }
        }
        throw new DaemonException(file + " holds no PEM private key: give the key openssl wrote");
    }

    private static PrivateKey pkcs8(byte[] der, Path file) throws DaemonException {
        for (String alg : new String[] {"RSA", "EC", "Ed25519"}) {
            try {
                return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                continue;
            }
        }
        throw new DaemonException(file + " is not an RSA, EC or Ed25519 key");
    }

    /** The named-curve OID from a SEC1 ECPrivateKey's [0] parameters. */
    private static byte[] curve(byte[] sec1, Path file) throws DaemonException {
        for (int i = 0; i + 2 < sec1.length; i++) {
            if ((sec1[i] & 0xff) == 0xa0 && sec1[i + 2] == 0x06) {
                int len = sec1[i + 3] & 0xff;
                return java.util.Arrays.copyOfRange(sec1, i + 2, i + 4 + len);
            }
        }
        throw new DaemonException(file + ": an EC key without its curve; write it as PKCS#8 (openssl pkey)");
    }

    private record Pem(String type, byte[] der) { }

    private static List<Pem> pem(Path file) throws DaemonException {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new DaemonException("cannot read " + file + " (" + e.getMessage() + "): give the right path");
        }
        List<Pem> out = new ArrayList<>();
        Matcher m = BLOCK.matcher(text);
        while (m.find()) {
            try {
                out.add(new Pem(m.group(1), Base64.getMimeDecoder().decode(m.group(2))));
            } catch (IllegalArgumentException e) {
                throw new DaemonException(file + " has a damaged PEM block: " + e.getMessage());
            }
        }
        return out;
    }

    // ---- DER, just enough to wrap a key ----

    private static byte[] sequence(byte[] content) {
        return tagged(0x30, content);
    }

    private static byte[] octets(byte[] content) {
        return tagged(0x04, content);
    }

    private static byte[] tagged(int tag, byte[] content) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(tag);
        int n = content.length;
        if (n < 0x80) {
            b.write(n);
        } else {
            int bytes = n > 0xffffff ? 4 : n > 0xffff ? 3 : n > 0xff ? 2 : 1;
            b.write(0x80 | bytes);
            for (int i = bytes - 1; i >= 0; i--) {
                b.write(n >>> (8 * i));
            }
        }
        b.writeBytes(content);
        return b.toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            b.writeBytes(p);
        }
        return b.toByteArray();
    }
}
