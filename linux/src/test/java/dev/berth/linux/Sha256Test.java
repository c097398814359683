package dev.berth.linux;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

class Sha256Test {
    @Test
    void libcryptoIsThereOnDebian() {
        assertTrue(Sha256.nativeAvailable(), "libcrypto.so.3 (libssl3) should be installed on the build machine");
    }

    @Test
    void knownAnswers() {
        // FIPS 180-2 examples
        assertEquals("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", hex(Sha256.newDigest().digest()));
        assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
            hex(Sha256.newDigest().digest("abc".getBytes())));
    }

    @Test
    void equalsTheJdkForSlicesSingleBytesAndResets() {
        Random r = new Random(42);
        byte[] data = new byte[3 * 1024 * 1024 + 17];
        r.nextBytes(data);
        MessageDigest ours = Sha256.newDigest();
        for (int round = 0; round < 2; round++) { // the second round after digest() reset it
            MessageDigest jdk = Sha256.jdk();
            int pos = 0;
            while (pos < data.length) {
                int n = Math.min(data.length - pos, r.nextInt(70_000));
                if (n == 1 || r.nextInt(20) == 0) {
                    ours.update(data[pos]);
                    jdk.update(data[pos]);
                    pos++;
                    continue;
                }
                ours.update(data, pos, n);
                jdk.update(data, pos, n);
                pos += n;
            }
            assertArrayEquals(jdk.digest(), ours.digest(), "round " + round);
        }
        ours.update(data, 5, 100);
        ours.reset();
        assertArrayEquals(Sha256.jdk().digest(), ours.digest(), "reset forgets what was hashed");
    }

    @Test
    void buffersAreHashedWhereTheyAreHeapReadOnlyAndDirect() throws Exception {
        byte[] data = new byte[1 << 20];
        new Random(7).nextBytes(data);
        MessageDigest ours = Sha256.newDigest();
        java.nio.ByteBuffer ro = java.nio.ByteBuffer.wrap(data, 0, 300_000).slice().asReadOnlyBuffer(); // as the HTTP client hands them out
        java.nio.ByteBuffer heap = java.nio.ByteBuffer.wrap(data, 300_000, 400_000);
        java.nio.ByteBuffer direct = java.nio.ByteBuffer.allocateDirect(data.length - 700_000).put(data, 700_000, data.length - 700_000).flip();
        ours.update(ro);
        ours.update(heap);
        ours.update(direct);
        assertEquals(0, ro.remaining() + heap.remaining() + direct.remaining(), "consumed, as MessageDigest.update says");
        assertArrayEquals(Sha256.jdk().digest(data), ours.digest());
        // and Fd.pwriteFully writes such buffers where they are, at the position given
        java.nio.file.Path f = java.nio.file.Files.createTempFile("pwrite", ".bin");
        try (Fd fd = Fd.openFile(f, Fd.O_WRONLY)) {
            fd.pwriteFully(java.nio.ByteBuffer.wrap(data, 1000, data.length - 1000).slice().asReadOnlyBuffer(), 1000);
            fd.pwriteFully(java.nio.ByteBuffer.wrap(data, 0, 1000), 0);
            fd.startWriteback(0, data.length);
        } finally {
            byte[] back = java.nio.file.Files.readAllBytes(f);
            java.nio.file.Files.delete(f);
            assertArrayEquals(data, back);
        }
    }

    private static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }
}
