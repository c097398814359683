package dev.berth.image;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The word processing of Dockerfile instructions (docker's shell lexer, the part {@code --change}
 * needs): words split at unquoted whitespace; single quotes literal; double quotes keep
 * spaces and honour {@code \"}, {@code \\} and {@code \$}; an unquoted backslash escapes the
 * next character; {@code $VAR}, {@code ${VAR}}, {@code ${VAR:-default}} and
 * {@code ${VAR:+alternative}} expand from {@code env} (unset is empty), but not inside single
 * quotes.
 */
final class ShellWords {
    private ShellWords() {}

    /** The words of {@code s}, quotes and escapes kept (docker's parseWords). */
    static List<String> rawWords(String s) {
        List<String> out = new ArrayList<>();
        StringBuilder w = new StringBuilder();
        char quote = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quote == 0 && Character.isWhitespace(c)) {
                if (!w.isEmpty()) {
                    out.add(w.toString());
                    w.setLength(0);
                }
                continue;
            }
            w.append(c);
            if (c == '\\' && quote != '\'' && i + 1 < s.length()) {
                w.append(s.charAt(++i));
            } else if (quote == 0 && (c == '"' || c == '\'')) {
                quote = c;
            } else if (c == quote) {
                quote = 0;
            }
        }
        if (!w.isEmpty()) {
            out.add(w.toString());
        }
        return out;
    }

    /** Every word of {@code s}, processed. */
    static List<String> split(String s, Map<String, String> env) {
        List<String> out = new ArrayList<>();
        for (String w : rawWords(s)) {
            out.add(word(w, env));
        }
        return out;
    }

    /** {@code s} as one word: quotes removed, escapes and variables applied, spaces kept. */
    static String word(String s, Map<String, String> env) {
        StringBuilder out = new StringBuilder();
        char quote = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quote == '\'') {
                if (c == '\'') {
                    quote = 0;
                } else {
                    out.append(c);
                }
            } else if (c == '\\' && i + 1 < s.length()) {
                char n = s.charAt(i + 1);
                if (quote == '"' && n != '"' && n != '\\' && n != '$') {
                    out.append(c);
                } else {
                    out.append(n);
                    i++;
                }
            } else if (c == '$') {
                i = variable(s, i, env, out);
            } else if (quote == 0 && (c == '"' || c == '\'')) {
                quote = c;
            } else if (quote == '"' && c == '"') {
                quote = 0;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    /** Expands the variable at {@code s[at] == '$'} into {@code out}; returns the index of its last character. */
    private static int variable(String s, int at, Map<String, String> env, StringBuilder out) {
        int i = at + 1;
        if (i < s.length() && s.charAt(i) == '{') {
            int close = s.indexOf('}', i);
            if (close < 0) {
                out.append('$');
                return at;
            }
            String body = s.substring(i + 1, close);
            int op = body.indexOf(':');
            String name = op < 0 ? body : body.substring(0, op);
            String value = env.get(name);
            if (op >= 0 && op + 1 < body.length()) {
                String word = body.substring(op + 2);
                if (body.charAt(op + 1) == '-' && (value == null || value.isEmpty())) {
                    value = word(word, env);
                } else if (body.charAt(op + 1) == '+') {
                    value = value == null || value.isEmpty() ? "" : word(word, env);
                }
            }
            out.append(value == null ? "" : value);
            return close;
        }
        int start = i;
        while (i < s.length() && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '_')) {
            i++;
        }
        if (i == start) {
            out.append('$');
            return at;
        }
        String value = env.get(s.substring(start, i));
        out.append(value == null ? "" : value);
        return i - 1;
    }
}
