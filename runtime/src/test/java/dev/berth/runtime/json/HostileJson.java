package dev.berth.runtime.json;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Hostile JSON for the property tests of what berth reads from others (issue 10): a document
 * with values replaced, at any depth, by values of another type or by extremes, the ones each
 * test names (those its reader has rules about). Shared through runtime's test jar: config.json
 * here (OciConfigProperties), the daemon's request bodies in api (RequestBodyProperties).
 */
public final class HostileJson {
    private final Object[] extremes;

    public HostileJson(Object[] extremes) {
        this.extremes = extremes.clone();
    }

    /** An error message as berth's must be: a line, not blank. */
    public static void assertOneLine(String message) {
        assertTrue(message != null && !message.isBlank(), "an error without a message");
        assertFalse(message.contains("\n"), "an error of more than one line: " + message);
    }

    /** {@code node} with one value (at a random depth) replaced by a hostile one, or one key removed. */
    @SuppressWarnings("unchecked")
    public Object replaceSomewhere(Object node, Random rnd) {
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

    /** A map (empty, or of one extreme), a list of extremes, any long, or an extreme. */
    public Object hostile(Random rnd) {
        switch (rnd.nextInt(5)) {
            case 0:
                Map<String, Object> m = new LinkedHashMap<>();
                if (rnd.nextBoolean()) {
                    m.put(String.valueOf(extreme(rnd)), extreme(rnd));
                }
                return m;
            case 1:
                List<Object> l = new ArrayList<>();
                for (int i = rnd.nextInt(3); i > 0; i--) {
                    l.add(extreme(rnd));
                }
                return l;
            case 2:
                return rnd.nextLong();
            default:
                return extreme(rnd);
        }
    }

    private Object extreme(Random rnd) {
        return extremes[rnd.nextInt(extremes.length)];
    }

    private static int size(Object node) {
        return node instanceof Map<?, ?> m ? m.size() : ((List<?>) node).size();
    }
}
