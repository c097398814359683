package dev.berth.runtime.json;

import java.util.Iterator;
import java.util.Map;

/** Writes plain Java values as JSON, compact or indented the way Go's MarshalIndent does. */
final class JsonWriter {
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private final boolean pretty;
    private final StringBuilder out = new StringBuilder(1024);

    JsonWriter(boolean pretty) {
        this.pretty = pretty;
    }

    String write(Object value) {
        value(value, 0);
        return out.toString();
    }

    private void value(Object v, int level) {
        if (v == null) {
            out.append("null");
        } else if (v instanceof CharSequence || v instanceof Character || v instanceof Enum<?>) {
            string(v.toString());
        } else if (v instanceof Boolean || v instanceof Integer || v instanceof Long
            || v instanceof Short || v instanceof Byte || v instanceof java.math.BigInteger) {
            out.append(v);
        } else if (v instanceof Number n) {
            double d = n.doubleValue();
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                throw new IllegalArgumentException("JSON has no " + d);
            }
            out.append(d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : n.toString());
        } else if (v instanceof Map<?, ?> m) {
            object(m, level);
        } else if (v instanceof Iterable<?> it) {
            array(it.iterator(), level);
        } else if (v instanceof Object[] a) {
            array(java.util.Arrays.asList(a).iterator(), level);
        } else {
            throw new IllegalArgumentException("cannot write a " + v.getClass().getName() + " as JSON");
        }
    }

    private void object(Map<?, ?> m, int level) {
        if (m.isEmpty()) {
            out.append("{}");
            return;
        }
        out.append('{');
        boolean first = true;
        for (Map.Entry<?, ?> e : m.entrySet()) {
            if (!first) {
                out.append(',');
            }
            first = false;
            newline(level + 1);
            string(String.valueOf(e.getKey()));
            out.append(pretty ? ": " : ":");
            value(e.getValue(), level + 1);
        }
        newline(level);
        out.append('}');
    }

    private void array(Iterator<?> it, int level) {
        if (!it.hasNext()) {
            out.append("[]");
            return;
        }
        out.append('[');
        boolean first = true;
        while (it.hasNext()) {
            if (!first) {
                out.append(',');
            }
            first = false;
            newline(level + 1);
            value(it.next(), level + 1);
        }
        newline(level);
        out.append(']');
    }

    private void newline(int level) {
        if (pretty) {
            out.append('\n');
            for (int i = 0; i < level; i++) {
                out.append("    ");
            }
        }
    }

    private void string(String s) {
        out.append('"');
        int start = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c != '"' && c != '\\' && c != '\u2028' && c != '\u2029') {
                continue;
            }
            out.append(s, start, i);
            start = i + 1;
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> out.append("\\u").append(HEX[c >> 12]).append(HEX[(c >> 8) & 15])
                    .append(HEX[(c >> 4) & 15]).append(HEX[c & 15]);
            }
        }
        out.append(s, start, s.length()).append('"');
    }
}
