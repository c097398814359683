package dev.berth.cli.template;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The functions a template can call: Go's builtins that docker users rely on, plus the
 * ones docker adds (json, upper, lower, title, split, join, truncate).
 *
 * <p>Each function has a signature, a string of argument kinds, so that argument errors
 * read like Go's ("wrong type for value; expected string; got int") and point at the
 * argument that is wrong.
 */
final class Funcs {
    /** Raw value, possibly {@link Values#MISSING} (comparisons and len need to tell). */
    static final char VALUE = 'V';
    /** Any value; no value at all becomes null, as Go passes a nil interface. */
    static final char ANY = 'A';
    static final char STRING = 'S';
    static final char INT = 'I';
    static final char LIST = 'L';

    /** Arity and argument kinds; the last kind repeats when the function takes any number. */
    static final class Sig {
        final int min;
        final boolean variadic;
        final String kinds;

        Sig(int min, boolean variadic, String kinds) {
            this.min = min;
            this.variadic = variadic;
            this.kinds = kinds;
        }

        char kind(int i) {
            return kinds.charAt(Math.min(i, kinds.length() - 1));
        }
    }

    /** A function failed; the caller adds "error calling NAME: ". */
    static final class CallError extends RuntimeException {
        private static final long serialVersionUID = 1L;

        CallError(String message) {
            super(message, null, false, false);
        }
    }

    private static final Sig ONE_VALUE = new Sig(1, false, "V");
    private static final Sig VALUES = new Sig(1, true, "V");
    private static final Sig TWO_VALUES = new Sig(2, false, "VV");
    private static final Sig ANYS = new Sig(0, true, "A");
    private static final Sig PRINTF = new Sig(1, true, "SA");
    private static final Sig ONE_ANY = new Sig(1, false, "A");
    private static final Sig ONE_STRING = new Sig(1, false, "S");
    private static final Sig SPLIT = new Sig(2, false, "SS");
    private static final Sig JOIN = new Sig(2, false, "LS");
    private static final Sig TRUNCATE = new Sig(2, false, "SI");

    private Funcs() {
    }

    static Sig sig(String name) {
        switch (name) {
            case "and":
            case "or":
            case "eq":
            case "index":
                return VALUES;
            case "not":
            case "len":
                return ONE_VALUE;
            case "ne":
            case "lt":
            case "le":
            case "gt":
            case "ge":
                return TWO_VALUES;
            case "print":
            case "println":
                return ANYS;
            case "printf":
                return PRINTF;
            case "json":
                return ONE_ANY;
            case "upper":
            case "lower":
            case "title":
                return ONE_STRING;
            case "split":
                return SPLIT;
            case "join":
                return JOIN;
            case "truncate":
                return TRUNCATE;
            default:
                return null;
        }
    }

    static boolean exists(String name) {
        return sig(name) != null;
    }

    /** Checks and converts one argument; returns the message of Go's error when it does not fit. */
    static String argError(char kind, Object v) {
        if (kind == VALUE || kind == ANY) {
            return null;
        }
        String want = kind == STRING ? "string" : kind == INT ? "int" : "[]string";
        boolean ok = kind == STRING ? v instanceof String
                : kind == INT ? Values.isIntegral(v)
                : v instanceof List;
        if (ok || (kind == LIST && v == Values.MISSING)) {
            return null; // Go turns no value into a nil (empty) list
        }
        if (v == Values.MISSING) {
            return "invalid value; expected " + want;
        }
        return "wrong type for value; expected " + want + "; got " + Values.typeName(v);
    }

    static Object adapt(char kind, Object v) {
        if (kind == LIST && v == Values.MISSING) {
            return new ArrayList<Object>();
        }
        return kind != VALUE && v == Values.MISSING ? null : v;
    }

    /** Calls a function other than and/or, which the executor evaluates lazily. */
    static Object call(String name, Object[] a) {
        switch (name) {
            case "not":
                return !Values.isTrue(a[0]);
            case "eq":
                return eq(a);
            case "ne":
                return !eq(a);
            case "lt":
                return compare(a[0], a[1]) < 0;
            case "le":
                return compare(a[0], a[1]) <= 0;
            case "gt":
                return compare(a[0], a[1]) > 0;
            case "ge":
                return compare(a[0], a[1]) >= 0;
            case "index":
                return index(a);
            case "len":
                return len(a[0]);
            case "print":
                return Printf.sprint(a);
            case "println":
                return Printf.sprintln(a);
            case "printf": {
                Object[] rest = new Object[a.length - 1];
                System.arraycopy(a, 1, rest, 0, rest.length);
                return Printf.sprintf((String) a[0], rest);
            }
            case "json": {
                StringBuilder sb = new StringBuilder();
                try {
                    Values.json(sb, a[0]);
                } catch (IllegalArgumentException e) {
                    throw new CallError(e.getMessage());
                }
                return sb.toString();
            }
            case "upper":
                return ((String) a[0]).toUpperCase(Locale.ROOT);
            case "lower":
                return ((String) a[0]).toLowerCase(Locale.ROOT);
            case "title":
                return title((String) a[0]);
            case "split":
                return split((String) a[0], (String) a[1]);
            case "join":
                return join((List<?>) a[0], (String) a[1]);
            case "truncate":
                return truncate((String) a[0], ((Number) a[1]).longValue());
            default:
                throw new CallError("function " + Values.quote(name) + " not defined");
        }
    }

    // ---- comparison ----

    private static final int BAD_KIND = 0;
    private static final int BOOL_KIND = 1;
    private static final int NUMBER_KIND = 2;
    private static final int STRING_KIND = 3;

    private static int kind(Object v) {
        if (v instanceof Boolean) {
            return BOOL_KIND;
        }
        if (v instanceof Number) {
            return NUMBER_KIND;
        }
        if (v instanceof String) {
            return STRING_KIND;
        }
        return BAD_KIND;
    }

    private static boolean isNil(Object v) {
        return v == null || v == Values.MISSING;
    }

    /** eq A B C...: whether A equals any of B, C... Nil equals only nil, as in Go. */
    private static boolean eq(Object[] a) {
        if (a.length < 2) {
            throw new CallError("missing argument for comparison");
        }
        Object x = a[0];
        for (int k = 1; k < a.length; k++) {
            Object y = a[k];
            boolean truth;
            if (isNil(x) || isNil(y)) {
                truth = isNil(x) && isNil(y);
            } else {
                int kx = kind(x);
                int ky = kind(y);
                if (kx != ky) {
                    throw new CallError("incompatible types for comparison");
                }
                if (kx == BAD_KIND) {
                    throw new CallError("non-comparable type " + Values.typeName(x));
                }
                truth = kx == NUMBER_KIND ? compareNumbers((Number) x, (Number) y) == 0 : x.equals(y);
            }
            if (truth) {
                return true;
            }
        }
        return false;
    }

    private static int compare(Object x, Object y) {
        int kx = kind(x);
        int ky = kind(y);
        if (kx == BAD_KIND || ky == BAD_KIND) {
            throw new CallError("invalid type for comparison");
        }
        if (kx != ky) {
            throw new CallError("incompatible types for comparison");
        }
        if (kx == BOOL_KIND) {
            throw new CallError("invalid type for comparison");
        }
        if (kx == STRING_KIND) {
            return ((String) x).compareTo((String) y);
        }
        return compareNumbers((Number) x, (Number) y);
    }

    /**
     * Go refuses to compare an int with a float64, but JSON does not say which a number is
     * (Pid could arrive as 42 or 42.0), so numbers compare by value here.
     */
    private static int compareNumbers(Number x, Number y) {
        if (Values.isInt(x) && Values.isInt(y)) {
            return Long.compare(x.longValue(), y.longValue());
        }
        return Double.compare(x.doubleValue(), y.doubleValue());
    }

    // ---- collections ----

    private static Object index(Object[] a) {
        Object item = a[0];
        if (isNil(item)) {
            throw new CallError("index of untyped nil");
        }
        for (int k = 1; k < a.length; k++) {
            Object key = a[k];
            if (item == null) {
                throw new CallError("index of nil pointer");
            }
            if (item instanceof List) {
                List<?> list = (List<?>) item;
                item = list.get(position(key, list.size()));
            } else if (item instanceof String) {
                byte[] bytes = ((String) item).getBytes(java.nio.charset.StandardCharsets.UTF_8);
                item = (long) (bytes[position(key, bytes.length)] & 0xff);
            } else if (item instanceof Map) {
                if (isNil(key)) {
                    throw new CallError("value is nil; should be of type string");
                }
                if (!(key instanceof String)) {
                    throw new CallError("value has type " + Values.typeName(key) + "; should be string");
                }
                // A missing key gives nil, which prints as <no value>, like Go's zero value.
                item = ((Map<?, ?>) item).get(key);
            } else {
                throw new CallError("can't index item of type " + Values.typeName(item));
            }
        }
        return item;
    }

    private static int position(Object key, int size) {
        if (isNil(key)) {
            throw new CallError("cannot index slice/array with nil");
        }
        if (!Values.isIntegral(key)) {
            throw new CallError("cannot index slice/array with type " + Values.typeName(key));
        }
        long x = ((Number) key).longValue();
        if (x < 0 || x >= size) {
            throw new CallError("index out of range: " + x);
        }
        return (int) x;
    }

    /** Go's len: bytes of a string's UTF-8, elements of a list or map. */
    private static Object len(Object v) {
        if (v == Values.MISSING) {
            throw new CallError("len of untyped nil");
        }
        if (v == null) {
            throw new CallError("len of nil pointer");
        }
        if (v instanceof String) {
            return (long) utf8Length((String) v);
        }
        if (v instanceof List) {
            return (long) ((List<?>) v).size();
        }
        if (v instanceof Map) {
            return (long) ((Map<?, ?>) v).size();
        }
        throw new CallError("len of type " + Values.typeName(v));
    }

    private static int utf8Length(String s) {
        int n = 0;
        for (int k = 0; k < s.length(); k++) {
            char c = s.charAt(k);
            if (c < 0x80) {
                n += 1;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c) && k + 1 < s.length()
                    && Character.isLowSurrogate(s.charAt(k + 1))) {
                n += 4;
                k++;
            } else {
                n += 3;
            }
        }
        return n;
    }

    // ---- strings ----

    /** Go's deprecated strings.Title, which docker uses: upper-case the first letter of each word. */
    private static String title(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        boolean afterSeparator = true;
        for (int k = 0; k < s.length(); ) {
            int c = s.codePointAt(k);
            k += Character.charCount(c);
            sb.appendCodePoint(afterSeparator ? Character.toTitleCase(c) : c);
            afterSeparator = isSeparator(c);
        }
        return sb.toString();
    }

    private static boolean isSeparator(int c) {
        if (c < 0x80) {
            return !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_');
        }
        if (Character.isLetter(c) || Character.isDigit(c)) {
            return false;
        }
        return Character.isWhitespace(c) || Character.isSpaceChar(c);
    }

    /** Go's strings.Split: keeps empty fields; an empty separator splits into characters. */
    private static List<Object> split(String s, String sep) {
        ArrayList<Object> out = new ArrayList<>();
        if (sep.isEmpty()) {
            for (int k = 0; k < s.length(); ) {
                int c = s.codePointAt(k);
                int next = k + Character.charCount(c);
                out.add(s.substring(k, next));
                k = next;
            }
            return out;
        }
        int from = 0;
        while (true) {
            int at = s.indexOf(sep, from);
            if (at < 0) {
                out.add(s.substring(from));
                return out;
            }
            out.add(s.substring(from, at));
            from = at + sep.length();
        }
    }

    /**
     * strings.Join. Go would insist on a []string; JSON lists hold any value, so non-strings
     * are printed as {{.}} would print them.
     */
    private static String join(List<?> list, String sep) {
        StringBuilder sb = new StringBuilder();
        boolean first = true;
        for (Object e : list) {
            if (!first) {
                sb.append(sep);
            }
            first = false;
            Values.format(sb, e);
        }
        return sb.toString();
    }

    /** docker's truncate, counting characters rather than bytes so text is never cut mid-character. */
    private static String truncate(String s, long n) {
        if (n < 0) {
            throw new CallError("negative length " + n);
        }
        if (s.codePointCount(0, s.length()) <= n) {
            return s;
        }
        return s.substring(0, s.offsetByCodePoints(0, (int) n));
    }
}
