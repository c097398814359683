package dev.berth.runtime.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.jr.ob.JSON;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JsonTest {
    private static final String SPECIAL = "\"\\\n\t\u0000\u001f/\u2028";

    @Test
    void prettyIsGoMarshalIndent() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("Id", "abc");
        m.put("Args", List.of());
        m.put("Labels", Map.of());
        m.put("State", new LinkedHashMap<>(Map.of("Pid", 42)));
        m.put("List", List.of(1, true));
        m.put("Nothing", null);
        assertEquals("""
            {
                "Id": "abc",
                "Args": [],
                "Labels": {},
                "State": {
                    "Pid": 42
                },
                "List": [
                    1,
                    true
                ],
                "Nothing": null
            }""", Json.pretty(m));
        assertEquals("{\"Id\":\"abc\",\"Args\":[],\"Labels\":{},\"State\":{\"Pid\":42},"
            + "\"List\":[1,true],\"Nothing\":null}", Json.compact(m));
    }

    @Test
    void escapesWhatMustBeEscaped() throws Exception {
        assertEquals("\"q\\\" b\\\\ n\\n t\\t c\\u0001 ls\\u2028 é €\"",
            Json.compact("q\" b\\ n\n t\t c\u0001 ls\u2028 é €"));
        assertEquals("a\"\\/\b\f\n\r\t\u00e9\ud83d\ude00",
            Json.parse("\"a\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00\""));
    }

    @Test
    void numbersKeepTheirSize() throws Exception {
        assertInstanceOf(Integer.class, Json.parse("2147483647"));
        assertInstanceOf(Long.class, Json.parse("2147483648"));
        assertInstanceOf(Long.class, Json.parse("-9223372036854775808"));
        assertInstanceOf(BigInteger.class, Json.parse("9223372036854775808"));
        assertEquals(1.5e-3, Json.parse("1.5e-3"));
        assertEquals(-0.25, Json.parse("-0.25"));
        assertEquals("3", Json.compact(3.0));
        assertEquals("0.1", Json.compact(0.1));
        assertThrows(IllegalArgumentException.class, () -> Json.compact(Double.NaN));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "{", "[1,", "[1 2]", "{\"a\" 1}", "{\"a\":1,}", "[1,]", "{a:1}",
        "01", "-", "1.", "1e", ".5", "+1", "tru", "nul", "\"abc", "\"\\x\"", "\"\\u12\"",
        "\"tab\there\"", "[] []", "{\"a\":1}}", "NaN", "'a'"})
    void rejectsMalformedDocuments(String text) {
        JsonException e = assertThrows(JsonException.class, () -> Json.parse(text));
        assertTrue(e.getMessage().startsWith("invalid JSON: "), e.getMessage());
    }

    @Test
    void nestingIsBounded() {
        String deep = "[".repeat(JsonReader.MAX_DEPTH + 1) + "]".repeat(JsonReader.MAX_DEPTH + 1);
        assertThrows(JsonException.class, () -> Json.parse(deep));
        String ok = "[".repeat(JsonReader.MAX_DEPTH) + "]".repeat(JsonReader.MAX_DEPTH);
        assertEquals(List.class.isInstance(parseQuietly(ok)), true);
    }

    @Test
    void parseObjectRefusesOtherDocuments() {
        assertThrows(JsonException.class, () -> Json.parseObject("[1]"));
    }

    /** Differential: what jackson writes we read back equal, and the other way round. */
    @Test
    void agreesWithJacksonOnRandomDocuments() throws Exception {
        Random rnd = new Random(20261124);
        for (int i = 0; i < 500; i++) {
            Object v = randomValue(rnd, 0);
            String ours = i % 2 == 0 ? Json.compact(v) : Json.pretty(v);
            assertEquals(normalise(v), normalise(JSON.std.anyFrom(ours)), ours);
            String theirs = JSON.std.with(JSON.Feature.WRITE_NULL_PROPERTIES).asString(v);
            assertEquals(normalise(v), normalise(Json.parse(theirs)), theirs);
        }
    }

    private static Object parseQuietly(String s) {
        try {
            return Json.parse(s);
        } catch (JsonException e) {
            throw new AssertionError(e);
        }
    }

    private static Object randomValue(Random rnd, int depth) {
        int kind = rnd.nextInt(depth > 4 ? 6 : 8);
        switch (kind) {
            case 0: return null;
            case 1: return rnd.nextBoolean();
            case 2: return rnd.nextInt();
            case 3: return rnd.nextLong();
            case 4: return rnd.nextDouble() * Math.pow(10, rnd.nextInt(40) - 20);
            case 5: return randomString(rnd);
            case 6: {
                List<Object> l = new ArrayList<>();
                for (int n = rnd.nextInt(5); n > 0; n--) {
                    l.add(randomValue(rnd, depth + 1));
                }
                return l;
            }
            default: {
                Map<String, Object> m = new LinkedHashMap<>();
                for (int n = rnd.nextInt(5); n > 0; n--) {
                    m.put(randomString(rnd), randomValue(rnd, depth + 1));
                }
                return m;
            }
        }
    }

    private static String randomString(Random rnd) {
        StringBuilder sb = new StringBuilder();
        for (int n = rnd.nextInt(12); n > 0; n--) {
            int pick = rnd.nextInt(10);
            sb.append(pick < 6 ? (char) ('a' + rnd.nextInt(26))
                : pick < 8 ? SPECIAL.charAt(rnd.nextInt(SPECIAL.length()))
                : (char) (0x80 + rnd.nextInt(0xd700)));
        }
        return sb.toString();
    }

    /** Numbers compared by value, whatever class carries them. */
    private static Object normalise(Object v) {
        if (v instanceof Integer || v instanceof Long || v instanceof BigInteger) {
            return new java.math.BigDecimal(v.toString()).stripTrailingZeros();
        }
        if (v instanceof Double d) {
            return d == Math.rint(d) && Math.abs(d) < 1e15
                ? new java.math.BigDecimal(d.longValue()).stripTrailingZeros() : d;
        }
        if (v instanceof List<?> l) {
            List<Object> out = new ArrayList<>();
            l.forEach(e -> out.add(normalise(e)));
            return out;
        }
        if (v instanceof Map<?, ?> m) {
            Map<Object, Object> out = new LinkedHashMap<>();
            m.forEach((k, e) -> out.put(k, normalise(e)));
            return out;
        }
        return v;
    }
}
