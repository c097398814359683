package dev.berth.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** docker's detach keys: parsing, and a scanner fed the input in pieces. */
class DetachKeysTest {
    @Test
    void parsesDockersForms() {
        assertArrayEquals(new byte[] {16, 17}, DetachKeys.parse(DetachKeys.DEFAULT));
        assertArrayEquals(new byte[] {'a', 0, 27}, DetachKeys.parse("a,ctrl-@,ctrl-["));
        assertNull(DetachKeys.parse("ctrl-?"));
        assertNull(DetachKeys.parse("ab"));
    }

    @Test
    void holdsBackAPartlyTypedSequenceAndPassesItOnWhenItIsNotOne() {
        DetachKeys k = new DetachKeys(DetachKeys.parse("ctrl-p,ctrl-q"));
        DetachKeys.Step s = k.feed(bytes("ab\u0010"), 3);
        assertEquals("ab", text(s));
        assertFalse(s.detach());
        s = k.feed(bytes("x"), 1); // not ctrl-q: the held ctrl-p goes on with it
        assertEquals("\u0010x", text(s));
        s = k.feed(bytes("y\u0010"), 2);
        assertEquals("y", text(s));
        s = k.feed(bytes("\u0011rest"), 5);
        assertTrue(s.detach());
        assertEquals("", text(s), "nothing after the sequence is for the container");
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static String text(DetachKeys.Step s) {
        return new String(s.pass(), 0, s.len(), StandardCharsets.ISO_8859_1);
    }
}
