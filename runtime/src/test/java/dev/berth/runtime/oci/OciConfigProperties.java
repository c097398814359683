package dev.berth.runtime.oci;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.runtime.json.Json;
import dev.berth.runtime.json.JsonException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Hostile config.json (issue 10): berth-runtime reads bundles that its callers wrote, and
 * {@code create} must refuse a bad one with a one-line {@link OciSpecException}, never another
 * exception, and never hang. The inputs are the default spec with a value somewhere replaced
 * by one of another type or an extreme, truncated, or with bytes flipped, and JSON of no shape.
 */
class OciConfigProperties {
    private static final String BASE = OciBundles.base();
    private static final Path BUNDLE = Path.of("/nonexistent/bundle");

    /** Found by the property below: Path.of threw InvalidPathException before the validator ran. */
    @net.jqwik.api.Example
    void aNulInRootPathIsRefusedInOneLine() throws Exception {
        String text = OciBundles.edit(BASE, "root.path", "\"root\\u0000fs\"");
        OciSpecException e = org.junit.jupiter.api.Assertions.assertThrows(OciSpecException.class,
            () -> OciSpecReader.parse(text, BUNDLE));
        org.junit.jupiter.api.Assertions.assertEquals("config.json: root.path contains a NUL character", e.getMessage());
    }

    @Property(tries = 2000)
    void aValueReplacedAnywhereIsAcceptedOrRefusedInOneLine(@ForAll("seeds") long seed) throws Exception {
        Random rnd = new Random(seed);
        Object doc = Json.parse(BASE);
        for (int i = 1 + rnd.nextInt(3); i > 0; i--) {
            doc = replaceSomewhere(doc, rnd);
        }
        check(Json.compact(doc));
    }

    @Property(tries = 1000)
    void aTruncatedOrFlippedConfigIsRefusedInOneLine(@ForAll("seeds") long seed) {
        Random rnd = new Random(seed);
        byte[] b = BASE.getBytes(StandardCharsets.UTF_8);
        if (rnd.nextBoolean()) {
            b = java.util.Arrays.copyOf(b, rnd.nextInt(b.length));
        } else {
            for (int i = 1 + rnd.nextInt(8); i > 0; i--) {
                b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
            }
        }
        check(new String(b, StandardCharsets.UTF_8));
    }

    @Property(tries = 1000)
    void anyTextIsRefusedInOneLine(@ForAll("texts") String text) {
        check(text);
    }

    @Provide
    Arbitrary<Long> seeds() {
        return Arbitraries.longs();
    }

    @Provide
    Arbitrary<String> texts() {
        return Arbitraries.oneOf(Arbitraries.strings().ofMaxLength(200),
            Arbitraries.strings().withChars("{}[]\":,0123456789.eE-+tfnrul \\").ofMaxLength(200));
    }

    private static void check(String text) {
        assertTimeoutPreemptively(Duration.ofSeconds(2), () -> {
            try {
                OciSpecReader.parse(text, BUNDLE);
            } catch (OciSpecException e) {
                oneLine(e.getMessage());
            }
        }, "config.json parse took over 2 s");
    }

    static void oneLine(String message) {
        assertTrue(message != null && !message.isBlank(), "an error without a message");
        assertFalse(message.contains("\n"), "an error of more than one line: " + message);
    }

    /** The document with one value (at a random depth) replaced by a hostile one. */
    @SuppressWarnings("unchecked")
    static Object replaceSomewhere(Object node, Random rnd) {
        if (rnd.nextInt(4) == 0 || !(node instanceof Map || node instanceof List) || size(node) == 0) {
            return hostile(rnd);
        }
        if (node instanceof Map<?, ?> m) {
            Map<String, Object> copy = new LinkedHashMap<>((Map<String, Object>) m);
            List<String> keys = new ArrayList<>(copy.keySet());
            String k = keys.get(rnd.nextInt(keys.size()));
            if (rnd.nextInt(8) == 0) {
                copy.remove(k);
            } else {
                copy.put(k, replaceSomewhere(copy.get(k), rnd));
            }
            return copy;
        }
        List<Object> copy = new ArrayList<>((List<Object>) node);
        int i = rnd.nextInt(copy.size());
        copy.set(i, replaceSomewhere(copy.get(i), rnd));
        return copy;
    }

    private static int size(Object node) {
        return node instanceof Map<?, ?> m ? m.size() : ((List<?>) node).size();
    }

    private static final Object[] EXTREMES = {null, true, false, 0L, -1L, 1L << 31, -(1L << 31), Long.MAX_VALUE,
        Long.MIN_VALUE, 1e308, -0.5, 1.5, "", "/", "..", "../../etc", "\u0000", "a\nb", "x".repeat(5000), "-1",
        "18446744073709551616", "0x10", "rw,nosuid,,=,", "CAP_", "SIGKILL", "RLIMIT_NOFILE"};

    static Object hostile(Random rnd) {
        switch (rnd.nextInt(5)) {
            case 0:
                return new LinkedHashMap<String, Object>();
            case 1:
                List<Object> l = new ArrayList<>();
                for (int i = rnd.nextInt(3); i > 0; i--) {
                    l.add(EXTREMES[rnd.nextInt(EXTREMES.length)]);
                }
                return l;
            case 2:
                return rnd.nextLong();
            default:
                return EXTREMES[rnd.nextInt(EXTREMES.length)];
        }
    }
}
