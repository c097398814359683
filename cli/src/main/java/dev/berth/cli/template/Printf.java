package dev.berth.cli.template;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * The subset of Go's fmt package behind the print, println and printf template functions.
 * Mistakes are reported inline the way Go does ({@code %!d(string=x)}, {@code %!s(MISSING)})
 * rather than failing the whole template.
 */
final class Printf {
    private Printf() {
    }

    /** fmt.Sprint: a space goes between two operands when neither is a string. */
    static String sprint(Object[] args) {
        StringBuilder sb = new StringBuilder();
        for (int k = 0; k < args.length; k++) {
            if (k > 0 && !(args[k] instanceof String) && !(args[k - 1] instanceof String)) {
                sb.append(' ');
            }
            Values.format(sb, args[k]);
        }
        return sb.toString();
    }

    /** fmt.Sprintln: always spaces between operands, and a newline at the end. */
    static String sprintln(Object[] args) {
        StringBuilder sb = new StringBuilder();
        for (int k = 0; k < args.length; k++) {
            if (k > 0) {
                sb.append(' ');
            }
            Values.format(sb, args[k]);
        }
        return sb.append('\n').toString();
    }

    /**
     * Go's fmt refuses a width or precision over a million ({@code tooLarge}), so a typo such
     * as {@code %999999999d} prints {@code %!(NOVERB)} rather than a gigabyte of spaces.
     */
    private static final int TOO_LARGE = 1_000_000;

    /** fmt.Sprintf with flags - + 0 # space, width, precision and verbs v T s q d t f e g x o b c. */
    static String sprintf(String format, Object[] args) {
        StringBuilder sb = new StringBuilder();
        int argi = 0;
        int n = format.length();
        int k = 0;
        while (k < n) {
            char c = format.charAt(k++);
            if (c != '%') {
                sb.append(c);
                continue;
            }
            Spec spec = new Spec();
            flags:
            while (k < n) {
                switch (format.charAt(k)) {
                    case '-': spec.minus = true; break;
                    case '+': spec.plus = true; break;
                    case '0': spec.zero = true; break;
                    case '#': spec.sharp = true; break;
                    case ' ': spec.space = true; break;
                    default: break flags;
                }
                k++;
            }
            while (k < n && isDigit(format.charAt(k))) {
                if (spec.width > TOO_LARGE) { // Go's parsenum: the rest of the format is taken
                    k = n;
                    break;
                }
                spec.width = Math.max(spec.width, 0) * 10 + (format.charAt(k++) - '0');
            }
            if (k < n && format.charAt(k) == '.') {
                k++;
                spec.prec = 0;
                while (k < n && isDigit(format.charAt(k))) {
                    if (spec.prec > TOO_LARGE) {
                        k = n;
                        break;
                    }
                    spec.prec = spec.prec * 10 + (format.charAt(k++) - '0');
                }
            }
            if (k >= n) {
                sb.append("%!(NOVERB)");
                break;
            }
            int verb = format.codePointAt(k);
            k += Character.charCount(verb);
            if (verb == '%') {
                sb.append('%');
                continue;
            }
            if (argi >= args.length) {
                sb.append("%!").appendCodePoint(verb).append("(MISSING)");
                continue;
            }
            Object arg = args[argi++];
            if ((arg instanceof List || arg instanceof Map) && verb != 'T') {
                composite(sb, verb, arg, spec); // as in Go, width applies to each element
                continue;
            }
            String s = one(verb, arg, spec);
            if (s == null) {
                bad(sb, verb, arg);
            } else {
                pad(sb, s, spec, arg instanceof Number);
            }
        }
        if (argi < args.length) {
            sb.append("%!(EXTRA ");
            for (int j = argi; j < args.length; j++) {
                if (j > argi) {
                    sb.append(", ");
                }
                typed(sb, args[j]);
            }
            sb.append(')');
        }
        return sb.toString();
    }

    private static final class Spec {
        boolean minus;
        boolean plus;
        boolean zero;
        boolean sharp;
        boolean space;
        int width = -1;
        int prec = -1;
    }

    /** Formats one operand, or returns null when the verb does not suit it. */
    private static String one(int verb, Object arg, Spec spec) {
        if (verb == 'v') {
            return Values.toDisplay(arg);
        }
        if (verb == 'T') {
            return arg == null ? "<nil>" : Values.typeName(arg);
        }
        switch (verb) {
            case 's':
                if (!(arg instanceof String)) {
                    return null;
                }
                String s = (String) arg;
                if (spec.prec >= 0 && spec.prec < s.codePointCount(0, s.length())) {
                    s = s.substring(0, s.offsetByCodePoints(0, spec.prec));
                }
                return s;
            case 'q':
                if (arg instanceof String) {
                    return Values.quote((String) arg);
                }
                if (Values.isIntegral(arg)) {
                    long r = ((Number) arg).longValue();
                    return Values.quoteRune(r >= 0 && r <= Character.MAX_CODE_POINT ? (int) r : 0xFFFD);
                }
                return null;
            case 't':
                return arg instanceof Boolean ? arg.toString() : null;
            case 'd':
            case 'x':
            case 'X':
            case 'o':
            case 'b':
            case 'c':
                return integer(verb, arg, spec);
            case 'f':
            case 'F':
            case 'e':
            case 'g':
                return arg instanceof Number ? floating(verb, ((Number) arg).doubleValue(), spec) : null;
            case 'E':
            case 'G':
                return arg instanceof Number
                        ? floating(Character.toLowerCase(verb), ((Number) arg).doubleValue(), spec).toUpperCase()
                        : null;
            default:
                return null;
        }
    }

    private static String integer(int verb, Object arg, Spec spec) {
        if ((verb == 'x' || verb == 'X') && arg instanceof String) {
            StringBuilder sb = new StringBuilder();
            for (byte b : ((String) arg).getBytes(StandardCharsets.UTF_8)) {
                sb.append(Character.forDigit((b >> 4) & 15, 16)).append(Character.forDigit(b & 15, 16));
            }
            return verb == 'X' ? sb.toString().toUpperCase() : sb.toString();
        }
        if (!Values.isIntegral(arg)) {
            return null;
        }
        BigInteger v = arg instanceof BigInteger ? (BigInteger) arg
                : BigInteger.valueOf(((Number) arg).longValue());
        if (verb == 'c') {
            return new String(Character.toChars(v.intValue()));
        }
        int radix = verb == 'd' ? 10 : verb == 'o' ? 8 : verb == 'b' ? 2 : 16;
        String digits = v.abs().toString(radix);
        if (verb == 'X') {
            digits = digits.toUpperCase();
        }
        if (spec.sharp && radix == 16) {
            digits = (verb == 'X' ? "0X" : "0x") + digits;
        } else if (spec.sharp && radix == 8) {
            digits = "0" + digits;
        }
        return sign(v.signum() < 0, spec) + digits;
    }

    private static String floating(int verb, double d, Spec spec) {
        if (Double.isNaN(d)) {
            return "NaN";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "+Inf" : "-Inf";
        }
        boolean neg = d < 0 || (d == 0 && 1 / d < 0);
        BigDecimal abs = new BigDecimal(Math.abs(d));
        String body;
        if (verb == 'f' || verb == 'F') {
            body = abs.setScale(spec.prec < 0 ? 6 : spec.prec, RoundingMode.HALF_EVEN).toPlainString();
        } else if (verb == 'e') {
            body = exponent(abs, (spec.prec < 0 ? 6 : spec.prec) + 1, true);
        } else {
            body = general(Math.abs(d), spec.prec);
        }
        return sign(neg, spec) + body;
    }

    /** d.ddde+XX with the given number of significant digits, as Go's %e. */
    private static String exponent(BigDecimal abs, int digits, boolean keepZeros) {
        if (abs.signum() == 0) {
            StringBuilder z = new StringBuilder("0");
            if (keepZeros && digits > 1) {
                z.append('.');
                for (int k = 1; k < digits; k++) {
                    z.append('0');
                }
            }
            return z.append("e+00").toString();
        }
        BigDecimal r = abs.round(new MathContext(digits, RoundingMode.HALF_EVEN));
        if (!keepZeros) {
            r = r.stripTrailingZeros();
        }
        String u = r.unscaledValue().toString();
        int exp = u.length() - 1 - r.scale();
        StringBuilder padded = new StringBuilder(u);
        while (keepZeros && padded.length() < digits) {
            padded.append('0'); // 1.0 with %e must still show six decimals
        }
        u = padded.toString();
        StringBuilder sb = new StringBuilder();
        sb.append(u.charAt(0));
        if (u.length() > 1) {
            sb.append('.').append(u, 1, u.length());
        }
        sb.append('e').append(exp < 0 ? '-' : '+');
        int e = Math.abs(exp);
        if (e < 10) {
            sb.append('0');
        }
        return sb.append(e).toString();
    }

    /** Go's %g: shortest digits by default, exponent form for large or small exponents. */
    private static String general(double abs, int prec) {
        if (abs == 0) {
            return "0";
        }
        BigDecimal bd = prec < 0 ? new BigDecimal(Double.toString(abs))
                : new BigDecimal(abs).round(new MathContext(Math.max(prec, 1), RoundingMode.HALF_EVEN));
        bd = bd.stripTrailingZeros();
        int nd = bd.unscaledValue().toString().length();
        int exp = nd - 1 - bd.scale();
        int eprec = prec < 0 ? 6 : Math.max(prec, 1);
        if (prec >= 0 && eprec > nd && nd >= exp + 1) {
            eprec = nd;
        }
        if (exp < -4 || exp >= eprec) {
            return exponent(bd, nd, false);
        }
        return bd.toPlainString();
    }

    private static String sign(boolean neg, Spec spec) {
        return neg ? "-" : spec.plus ? "+" : spec.space ? " " : "";
    }

    /** Lists and maps: the verb and width apply to each element, as in Go. */
    private static void composite(StringBuilder sb, int verb, Object arg, Spec spec) {
        if (arg instanceof List) {
            sb.append('[');
            boolean first = true;
            for (Object e : (List<?>) arg) {
                if (!first) {
                    sb.append(' ');
                }
                first = false;
                element(sb, verb, e, spec);
            }
            sb.append(']');
            return;
        }
        Map<?, ?> m = (Map<?, ?>) arg;
        sb.append("map[");
        boolean first = true;
        for (String key : Values.sortedKeys(m)) {
            if (!first) {
                sb.append(' ');
            }
            first = false;
            element(sb, verb, key, spec);
            sb.append(':');
            element(sb, verb, m.get(key), spec);
        }
        sb.append(']');
    }

    private static void element(StringBuilder sb, int verb, Object e, Spec spec) {
        if (e instanceof List || e instanceof Map) {
            composite(sb, verb, e, spec);
            return;
        }
        String s = one(verb, e, spec);
        if (s == null) {
            bad(sb, verb, e);
        } else {
            pad(sb, s, spec, e instanceof Number);
        }
    }

    private static void bad(StringBuilder sb, int verb, Object arg) {
        sb.append("%!").appendCodePoint(verb).append('(');
        typed(sb, arg);
        sb.append(')');
    }

    /** "type=value" as in Go's error forms, or "<nil>". */
    private static void typed(StringBuilder sb, Object arg) {
        if (arg == null || arg == Values.MISSING) {
            sb.append("<nil>");
            return;
        }
        sb.append(Values.typeName(arg)).append('=');
        Values.format(sb, arg);
    }

    private static void pad(StringBuilder sb, String s, Spec spec, boolean numeric) {
        int len = s.codePointCount(0, s.length());
        int fill = spec.width - len;
        if (fill <= 0) {
            sb.append(s);
        } else if (spec.minus) {
            sb.append(s);
            repeat(sb, ' ', fill);
        } else if (spec.zero && numeric && !s.isEmpty() && (s.charAt(0) == '-' || s.charAt(0) == '+'
                || s.charAt(0) == ' ')) {
            // Zero padding goes between the sign and the digits.
            sb.append(s.charAt(0));
            repeat(sb, '0', fill);
            sb.append(s, 1, s.length());
        } else {
            repeat(sb, spec.zero ? '0' : ' ', fill);
            sb.append(s);
        }
    }

    private static void repeat(StringBuilder sb, char c, int n) {
        for (int k = 0; k < n; k++) {
            sb.append(c);
        }
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }
}
