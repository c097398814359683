package dev.berth.runtime.oci;

import dev.berth.runtime.json.Json;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * JSON text the way runc prints each document, for byte-compatible output: {@code spec} indents
 * with tabs, {@code state} with two spaces, {@code features} with four.
 */
public final class OciJson {
    private OciJson() {}

    /**
     * {@code value} as Go's MarshalIndent with {@code unit} writes it, without a final newline.
     * Json.pretty indents by four spaces; since strings never hold a raw newline there, the
     * leading spaces of each line are indentation only and can be swapped for {@code unit}.
     */
    public static String indent(Object value, String unit) {
        String four = Json.pretty(value);
        if (unit.equals("    ")) {
            return four;
        }
        StringBuilder out = new StringBuilder(four.length());
        int i = 0;
        int n = four.length();
        while (i < n) {
            int spaces = 0;
            while (i + spaces < n && four.charAt(i + spaces) == ' ') {
                spaces++;
            }
            for (int k = 0; k < spaces / 4; k++) {
                out.append(unit);
            }
            i += spaces / 4 * 4;
            int end = four.indexOf('\n', i);
            end = end < 0 ? n : end + 1;
            out.append(four, i, end);
            i = end;
        }
        return out.toString();
    }

    /**
     * A copy of {@code m} with its keys in the order Go's encoding/json writes a map's: by their
     * UTF-8 bytes, which is code point order (String.compareTo differs above U+FFFF).
     */
    public static <V> Map<String, V> sortedKeys(Map<String, V> m) {
        List<String> keys = new ArrayList<>(m.keySet());
        keys.sort(CODE_POINT_ORDER); // a class, not a method reference: no lambda bootstrap on a cold start
        Map<String, V> out = new LinkedHashMap<>();
        for (String k : keys) {
            out.put(k, m.get(k));
        }
        return out;
    }

    private static final Comparator<String> CODE_POINT_ORDER = new CodePointOrder();

    private static final class CodePointOrder implements Comparator<String> {
        @Override
        public int compare(String a, String b) {
            return compareCodePoints(a, b);
        }
    }

    static int compareCodePoints(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }
}
