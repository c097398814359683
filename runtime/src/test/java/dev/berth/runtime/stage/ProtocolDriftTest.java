package dev.berth.runtime.stage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
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

    /**
     * The frames each protocol version has. A stage ignores a frame it does not know while it
     * waits for F_GO, so Java waiting for an answer to a new one (F_NETLINK) would wait forever on
     * a stage of the version before: a new frame needs a new version, which the hello refuses
     * with a message instead.
     */
    private static final Map<Long, Set<String>> FRAMES = Map.of(
        2L, Set.of("F_HELLO", "F_PROGRAM", "F_GO", "F_STDIN", "F_STDIN_EOF", "F_RESIZE", "F_SIGNAL", "F_DETACH",
            "F_ATTACH", "F_WAIT", "F_REMOVED", "F_LOGPOS", "F_NSSCAN", "F_KILL", "F_CREATED", "F_STARTED", "F_PAUSED",
            "F_ERROR", "F_STDOUT", "F_STDERR", "F_EXIT", "F_ACK", "F_NSPROC", "F_NSFD", "F_NSPATH", "F_NSINFO",
            "F_NSCMD", "F_NSEND"),
        3L, Set.of("F_HELLO", "F_PROGRAM", "F_GO", "F_STDIN", "F_STDIN_EOF", "F_RESIZE", "F_SIGNAL", "F_DETACH",
            "F_ATTACH", "F_WAIT", "F_REMOVED", "F_LOGPOS", "F_NSSCAN", "F_KILL", "F_CREATED", "F_STARTED", "F_PAUSED",
            "F_ERROR", "F_STDOUT", "F_STDERR", "F_EXIT", "F_ACK", "F_NSPROC", "F_NSFD", "F_NSPATH", "F_NSINFO",
            "F_NSCMD", "F_NSEND", "F_NETLINK"));

    @Test
    void aNewFrameComesWithANewVersion() throws Exception {
        String header = Files.readString(Path.of("../native/stage/protocol.h"));
        Set<String> frames = new TreeSet<>();
        Matcher m = DEFINE.matcher(header);
        while (m.find()) {
            if (m.group(1).startsWith("F_")) {
                frames.add(m.group(1));
            }
        }
        long version = Integer.toUnsignedLong(Protocol.VERSION);
        assertTrue(FRAMES.containsKey(version), "protocol " + version + " is not listed in FRAMES: list its frames");
        assertEquals(new TreeSet<>(FRAMES.get(version)), frames,
            "the frames of protocol.h are not those of protocol " + version + ": a new frame needs PROTO_VERSION + 1");
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
