package dev.berth.runtime.oci;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.berth.runtime.json.HostileJson;
import dev.berth.runtime.json.Json;
import dev.berth.runtime.json.JsonException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
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
            doc = HOSTILE.replaceSomewhere(doc, rnd);
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
                HostileJson.assertOneLine(e.getMessage());
            }
        }, "config.json parse took over 2 s");
    }

    private static final Object[] EXTREMES = {null, true, false, 0L, -1L, 1L << 31, -(1L << 31), Long.MAX_VALUE,
        Long.MIN_VALUE, 1e308, -0.5, 1.5, "", "/", "..", "../../etc", "\u0000", "a\nb", "x".repeat(5000), "-1",
        "18446744073709551616", "0x10", "rw,nosuid,,=,", "CAP_", "SIGKILL", "RLIMIT_NOFILE"};
    private static final HostileJson HOSTILE = new HostileJson(EXTREMES);
}
