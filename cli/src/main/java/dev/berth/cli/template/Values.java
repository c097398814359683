package dev.berth.cli.template;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * How template values behave: Go-style printing, truthiness, type names and JSON.
 *
 * <p>Values are what a JSON parser produces: Map, List, String, Number, Boolean and null.
 * Java null stands for a JSON null (Go's nil interface). {@link #MISSING} stands for "no
 * value at all" (Go's invalid reflect.Value), which is what a missing map key gives; Go
 * prints it as {@code <no value>}.
 */
final class Values {
    static final Object MISSING = new Object() {
        @Override
        public String toString() {
            return "<no value>";
        }
    };

    private Values() {
    }

    static boolean isInt(Object v) {
        return v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte
                || v instanceof BigInteger;
    }

    /** Integral numbers, including doubles like 3.0 (JSON does not tell 3 from 3.0). */
    static boolean isIntegral(Object v) {
        if (isInt(v)) {
            return true;
        }
        if (v instanceof Number) {
            double d = ((Number) v).doubleValue();
            return d == Math.rint(d) && Math.abs(d) < 9.0e18;
        }
        return false;
    }

    /** Go's name for the type a value would have after json.Unmarshal into interface{}. */
    static String typeName(Object v) {
        if (v == null || v == MISSING) {
            return "interface {}";
        }
        if (v instanceof String) {
            return "string";
        }
        if (v instanceof Boolean) {
            return "bool";
        }
        if (isInt(v)) {
            return "int";
        }
        if (v instanceof Number) {
            return "float64";
        }
        if (v instanceof Map) {
            return "map[string]interface {}";
        }
        if (v instanceof List) {
            return "[]interface {}";
        }
        return v.getClass().getSimpleName();
    }

    /** Go's truth: false, 0, nil and empty strings, lists and maps are false. */
    static boolean isTrue(Object v) {
        if (v == null || v == MISSING) {
            return false;
        }
        if (v instanceof Boolean) {
            return (Boolean) v;
        }
        if (v instanceof Number) {
            if (v instanceof BigInteger) {
                return ((BigInteger) v).signum() != 0;
            }
            return isInt(v) ? ((Number) v).longValue() != 0 : ((Number) v).doubleValue() != 0;
        }
        if (v instanceof String) {
            return !((String) v).isEmpty();
        }
        if (v instanceof List) {
            return !((List<?>) v).isEmpty();
        }
        if (v instanceof Map) {
            return !((Map<?, ?>) v).isEmpty();
        }
        return true;
    }

    /** Output of {{VALUE}}: Go's fmt %v, except that no value at all prints as {@code <no value>}. */
    static void print(StringBuilder sb, Object v) {
        if (v == MISSING) {
            sb.append("<no value>");
        } else {
            format(sb, v);
        }
    }

    /** Go's fmt %v: {@code [a b]} for lists, {@code map[k:v]} with sorted keys for maps. */
    static void format(StringBuilder sb, Object v) {
        if (v == null || v == MISSING) {
            sb.append("<nil>");
        } else if (v instanceof String) {
            sb.append((String) v);
        } else if (v instanceof Number) {
            sb.append(formatNumber((Number) v, false));
        } else if (v instanceof List) {
            sb.append('[');
            boolean first = true;
            for (Object e : (List<?>) v) {
                if (!first) {
                    sb.append(' ');
                }
                first = false;
                format(sb, e);
            }
            sb.append(']');
        } else if (v instanceof Map) {
            Map<?, ?> m = (Map<?, ?>) v;
            sb.append("map[");
            boolean first = true;
            for (String k : sortedKeys(m)) {
                if (!first) {
                    sb.append(' ');
                }
                first = false;
                sb.append(k).append(':');
                format(sb, m.get(k));
            }
            sb.append(']');
        } else {
            sb.append(v);
        }
    }

    static String toDisplay(Object v) {
        StringBuilder sb = new StringBuilder();
        format(sb, v);
        return sb.toString();
    }

    /** Map keys in Go's order for printing and ranging over maps: sorted. */
    static List<String> sortedKeys(Map<?, ?> m) {
        ArrayList<String> keys = new ArrayList<>(m.size());
        for (Object k : m.keySet()) {
            keys.add(String.valueOf(k));
        }
        Collections.sort(keys);
        return keys;
    }

    /**
     * Integers print as themselves. Doubles print the shortest text that reads back the same,
     * like Go's JSON encoder: no ".0" on integral values and plain decimals between 1e-6 and
     * 1e21. (Go's %v would print 1e+06 for a float64 million, which surprises docker users.)
     * Outside that range JSON writes 1e-7 and printing writes Go's 1e-07.
     */
    static String formatNumber(Number n, boolean json) {
        if (isInt(n)) {
            return n.toString();
        }
        double d = n.doubleValue();
        if (Double.isNaN(d)) {
            return "NaN";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "+Inf" : "-Inf";
        }
        if (d == 0) {
            return 1 / d < 0 ? "-0" : "0";
        }
        double abs = Math.abs(d);
        if (d == Math.rint(d) && abs < 9.0e18) {
            return Long.toString((long) d);
        }
        // Double.toString gives the shortest round-tripping digits; only the layout changes.
        BigDecimal bd = new BigDecimal(Double.toString(d)).stripTrailingZeros();
        if (abs >= 1e-6 && abs < 1e21) {
            return bd.toPlainString();
        }
        String digits = bd.unscaledValue().abs().toString();
        int exp = digits.length() - 1 - bd.scale();
        StringBuilder sb = new StringBuilder();
        if (d < 0) {
            sb.append('-');
        }
        sb.append(digits.charAt(0));
        if (digits.length() > 1) {
            sb.append('.').append(digits, 1, digits.length());
        }
        sb.append('e').append(exp < 0 ? '-' : '+');
        if (!json && Math.abs(exp) < 10) {
            sb.append('0');
        }
        return sb.append(Math.abs(exp)).toString();
    }

    /** Go's strconv.Quote: double-quoted, with Go escapes for unprintable characters. */
    static String quote(String s) {
        return quote(s, '"');
    }

    /** Go's strconv.QuoteRune, for printf %q of an integer. */
    static String quoteRune(int c) {
        return quote(new String(Character.toChars(c)), '\'');
    }

    private static String quote(String s, char delim) {
        StringBuilder sb = new StringBuilder(s.length() + 2);
        sb.append(delim);
        for (int k = 0; k < s.length(); ) {
            int c = s.codePointAt(k);
            k += Character.charCount(c);
            if (c == delim) {
                sb.append('\\').append(delim);
                continue;
            }
            switch (c) {
                case '\\': sb.append("\\\\"); continue;
                case 7: sb.append("\\a"); continue;
                case '\b': sb.append("\\b"); continue;
                case '\f': sb.append("\\f"); continue;
                case '\n': sb.append("\\n"); continue;
                case '\r': sb.append("\\r"); continue;
                case '\t': sb.append("\\t"); continue;
                case 11: sb.append("\\v"); continue;
                default:
                    break;
            }
            if (isPrint(c)) {
                sb.appendCodePoint(c);
            } else if (c < 0x80) {
                sb.append("\\x").append(HEX[c >> 4]).append(HEX[c & 15]);
            } else if (c < 0x10000) {
                sb.append("\\u");
                hex(sb, c, 4);
            } else {
                sb.append("\\U");
                hex(sb, c, 8);
            }
        }
        return sb.append(delim).toString();
    }

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private static void hex(StringBuilder sb, int v, int width) {
        for (int shift = (width - 1) * 4; shift >= 0; shift -= 4) {
            sb.append(HEX[(v >> shift) & 15]);
        }
    }

    /** Close to Go's strconv.IsPrint: letters, marks, numbers, punctuation, symbols and ASCII space. */
    static boolean isPrint(int c) {
        if (c < 0x80) {
            return c >= 0x20 && c < 0x7f;
        }
        switch (Character.getType(c)) {
            case Character.CONTROL:
            case Character.FORMAT:
            case Character.SURROGATE:
            case Character.PRIVATE_USE:
            case Character.UNASSIGNED:
            case Character.SPACE_SEPARATOR:
            case Character.LINE_SEPARATOR:
            case Character.PARAGRAPH_SEPARATOR:
                return false;
            default:
                return true;
        }
    }

    // ---- JSON ----

    /** Compact JSON like docker's json function: sorted keys, no HTML escaping, no newline. */
    static void json(StringBuilder sb, Object v) {
        if (v == null || v == MISSING) {
            sb.append("null");
        } else if (v instanceof String) {
            jsonString(sb, (String) v);
        } else if (v instanceof Boolean) {
            sb.append(v);
        } else if (v instanceof Number) {
            double d = ((Number) v).doubleValue();
            if (!isInt(v) && (Double.isNaN(d) || Double.isInfinite(d))) {
                throw new IllegalArgumentException("json: unsupported value: " + formatNumber((Number) v, false));
            }
            sb.append(formatNumber((Number) v, true));
        } else if (v instanceof List) {
            sb.append('[');
            boolean first = true;
            for (Object e : (List<?>) v) {
                if (!first) {
                    sb.append(',');
                }
                first = false;
                json(sb, e);
            }
            sb.append(']');
        } else if (v instanceof Map) {
            Map<?, ?> m = (Map<?, ?>) v;
            sb.append('{');
            boolean first = true;
            for (String k : sortedKeys(m)) {
                if (!first) {
                    sb.append(',');
                }
                first = false;
                jsonString(sb, k);
                sb.append(':');
                json(sb, m.get(k));
            }
            sb.append('}');
        } else {
            jsonString(sb, v.toString());
        }
    }

    /** RFC 8259 string escaping, plus U+2028/U+2029 as Go does so output is safe in JavaScript. */
    private static void jsonString(StringBuilder sb, String s) {
        sb.append('"');
        for (int k = 0; k < s.length(); k++) {
            char c = s.charAt(k);
            switch (c) {
                case '"': sb.append("\\\""); break;
                case '\\': sb.append("\\\\"); break;
                case '\n': sb.append("\\n"); break;
                case '\r': sb.append("\\r"); break;
                case '\t': sb.append("\\t"); break;
                case '\b': sb.append("\\b"); break;
                case '\f': sb.append("\\f"); break;
                case '\u2028':
                case '\u2029':
                    sb.append("\\u"); hex(sb, c, 4);
                    break;
                default:
                    if (c < 0x20) {
                        sb.append("\\u"); hex(sb, c, 4);
                    } else if (Character.isSurrogate(c)) {
                        // A valid pair passes through; a lone half is invalid text, as Go's \ufffd.
                        if (Character.isHighSurrogate(c) && k + 1 < s.length()
                                && Character.isLowSurrogate(s.charAt(k + 1))) {
                            sb.append(c).append(s.charAt(++k));
                        } else {
                            sb.append("\\ufffd");
                        }
                    } else {
                        sb.append(c);
                    }
            }
        }
        sb.append('"');
    }
}
