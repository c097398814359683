package dev.berth.runtime.stage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Every constant of Protocol.java must match native/stage/protocol.h, and the other way round. */
class ProtocolDriftTest {
    private static final Pattern DEFINE =
        Pattern.compile("^#define (\\w+) (0x[0-9a-f]+u?|\\d+u?|'.'|\\(1u << \\d+\\))", Pattern.MULTILINE);

    @Test
    void javaAndCAgree() throws Exception {
        String header = Files.readString(Path.of("../native/stage/protocol.h"));
        Map<String, Long> c = new HashMap<>();
        Matcher m = DEFINE.matcher(header);
        while (m.find()) {
            c.put(m.group(1), value(m.group(2)));
        }
        Map<String, Long> java = new HashMap<>();
        for (Field f : Protocol.class.getFields()) {
            Object v = f.get(null);
            java.put(f.getName(), v instanceof Byte b ? b.longValue() : Integer.toUnsignedLong((Integer) v));
        }
        java.put("PROTO_MAGIC", java.remove("MAGIC"));
        java.put("PROTO_VERSION", java.remove("VERSION"));
        assertTrue(c.size() > 40, "parsed only " + c.size() + " constants from protocol.h");
        assertEquals(new java.util.TreeMap<>(c), new java.util.TreeMap<>(java));
    }

    private static long value(String s) {
        if (s.startsWith("'")) {
            return s.charAt(1);
        }
        if (s.startsWith("(1u << ")) {
            return 1L << Long.parseLong(s.replaceAll("\\D", "").substring(1));
        }
        s = s.replace("u", "");
        return s.startsWith("0x") ? Long.parseLong(s.substring(2), 16) : Long.parseLong(s);
    }
}
