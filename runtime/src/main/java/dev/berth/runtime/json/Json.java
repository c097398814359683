package dev.berth.runtime.json;

import java.util.Map;

/**
 * JSON (RFC 8259) as plain Java values: objects are {@code Map<String, Object>} (in document
 * order), arrays {@code List<Object>}, strings, numbers ({@code Integer}, {@code Long},
 * {@code BigInteger} or {@code Double}), {@code Boolean} and {@code null}.
 *
 * <p>berth's own codec and not a library's because it runs on every cold command: reading and
 * writing a {@code state.json} costs well under a millisecond on a fresh JVM, where the class
 * loading and initialisation of jackson cost 7 to 9 ms (measured; see
 * {@code docs/dependencies.md}). The reader is strict and bounded, since state files can be
 * truncated by a full disk and request bodies come from strangers.
 */
public final class Json {
    private Json() {}

    /** Parses one JSON document. */
    public static Object parse(String text) throws JsonException {
        return new JsonReader(text).document();
    }

    /** Parses one JSON document that must be an object. */
    public static Map<String, Object> parseObject(String text) throws JsonException {
        if (new JsonReader(text).document() instanceof Map<?, ?> m) {
            @SuppressWarnings("unchecked")
            Map<String, Object> out = (Map<String, Object>) m;
            return out;
        }
        throw new JsonException("expected a JSON object", 0);
    }

    /** One line, no spaces: {@code {"a":[1,2]}}. */
    public static String compact(Object value) {
        return new JsonWriter(false).write(value);
    }

    /** Indented by four spaces, as {@code docker inspect} prints (Go's MarshalIndent). */
    public static String pretty(Object value) {
        return new JsonWriter(true).write(value);
    }

    /** {@code m.get(key)} as an object, or null. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> map(Map<String, Object> m, String key) {
        return m.get(key) instanceof Map<?, ?> v ? (Map<String, Object>) v : null;
    }
}
