package dev.berth.cli.template;

import java.util.ArrayList;

/**
 * Splits a template into tokens, following Go's text/template/parse/lex.go closely so
 * that spacing, trim markers and error messages behave like docker's.
 *
 * <p>The whole input is tokenised up front. The list ends with an EOF token, or with an
 * ERROR token where Go's lexer would have stopped; the parser reports that error when it
 * reaches it, which gives the same message Go gives.
 */
final class Lexer {
    // Token types. Everything after KEYWORD prints as <word> in "unexpected" messages, as in Go.
    static final int EOF = 0;
    static final int ERROR = 1;
    static final int TEXT = 2;
    static final int LEFT_DELIM = 3;
    static final int RIGHT_DELIM = 4;
    static final int SPACE = 5;
    static final int BOOL = 6;
    static final int CHAR = 7; // any other printable ASCII character, e.g. ','
    static final int CHAR_CONSTANT = 8;
    static final int NUMBER = 9;
    static final int STRING = 10;
    static final int RAW_STRING = 11;
    static final int FIELD = 12;
    static final int VARIABLE = 13;
    static final int IDENTIFIER = 14;
    static final int DECLARE = 15;
    static final int ASSIGN = 16;
    static final int PIPE = 17;
    static final int LEFT_PAREN = 18;
    static final int RIGHT_PAREN = 19;
    static final int KEYWORD = 20;
    static final int DOT = 21;
    static final int NIL = 22;
    static final int IF = 23;
    static final int ELSE = 24;
    static final int END = 25;
    static final int RANGE = 26;
    static final int WITH = 27;
    static final int BREAK = 28;
    static final int CONTINUE = 29;
    static final int DEFINE = 30;
    static final int TEMPLATE = 31;
    static final int BLOCK = 32;

    static final class Token {
        final int type;
        final String val;
        final int pos;
        final int line;

        Token(int type, String val, int pos, int line) {
            this.type = type;
            this.val = val;
            this.pos = pos;
            this.line = line;
        }

        /** Go's item.String(), used in "unexpected X in Y" messages. */
        @Override
        public String toString() {
            if (type == EOF) {
                return "EOF";
            }
            if (type == ERROR) {
                return val;
            }
            if (type > KEYWORD) {
                return "<" + val + ">";
            }
            if (val.codePointCount(0, val.length()) > 10) {
                return Values.quote(val.substring(0, val.offsetByCodePoints(0, 10))) + "...";
            }
            return Values.quote(val);
        }
    }

    private static final String LEFT = "{{";
    private static final String RIGHT = "}}";

    private final String in;
    private final ArrayList<Token> out = new ArrayList<>();
    private int pos;
    private int start;
    private int parenDepth;
    // Line bookkeeping: positions only move forward, so count newlines incrementally.
    private int linePos;
    private int lineNo = 1;

    private Lexer(String in) {
        this.in = in;
    }

    static ArrayList<Token> lex(String input) {
        Lexer l = new Lexer(input);
        l.run();
        return l.out;
    }

    private void run() {
        while (true) {
            int x = in.indexOf(LEFT, pos);
            if (x < 0) {
                pos = in.length();
                if (pos > start) {
                    emit(TEXT);
                }
                emit(EOF);
                return;
            }
            boolean trim = hasLeftTrimMarker(x + LEFT.length());
            pos = trim ? rightTrimmed(start, x) : x;
            if (pos > start) {
                emit(TEXT);
            }
            pos = x + LEFT.length();
            int afterMarker = trim ? 2 : 0;
            if (in.startsWith("/*", pos + afterMarker)) {
                pos += afterMarker;
                start = pos;
                if (!comment()) {
                    return;
                }
                continue;
            }
            start = x;
            emit(LEFT_DELIM);
            pos += afterMarker;
            start = pos;
            parenDepth = 0;
            if (!insideAction()) {
                return;
            }
        }
    }

    /** Skips a comment; Go requires the closing delimiter right after the closing star-slash. */
    private boolean comment() {
        int x = in.indexOf("*/", pos + 2);
        if (x < 0) {
            return error("unclosed comment");
        }
        pos = x + 2;
        int delim = atRightDelim();
        if (delim == 0) {
            return error("comment ends before closing delimiter");
        }
        pos += delim == 2 ? 2 + RIGHT.length() : RIGHT.length();
        if (delim == 2) {
            pos = leftTrimmed(pos);
        }
        start = pos;
        return true;
    }

    /** Lexes one action up to and including its right delimiter; false after an error. */
    private boolean insideAction() {
        while (true) {
            int delim = atRightDelim();
            if (delim != 0) {
                if (parenDepth != 0) {
                    return error("unclosed left paren");
                }
                if (delim == 2) {
                    pos += 2;
                    start = pos;
                }
                pos += RIGHT.length();
                emit(RIGHT_DELIM);
                if (delim == 2) {
                    pos = leftTrimmed(pos);
                    start = pos;
                }
                return true;
            }
            if (pos >= in.length()) {
                return error("unclosed action");
            }
            int r = in.codePointAt(pos);
            pos += Character.charCount(r);
            if (isSpace(r)) {
                pos--;
                space();
            } else if (r == '=') {
                emit(ASSIGN);
            } else if (r == ':') {
                if (pos >= in.length() || in.charAt(pos) != '=') {
                    return error("expected :=");
                }
                pos++;
                emit(DECLARE);
            } else if (r == '|') {
                emit(PIPE);
            } else if (r == '"' || r == '\'') {
                if (!quote((char) r)) {
                    return false;
                }
            } else if (r == '`') {
                int end = in.indexOf('`', pos);
                if (end < 0) {
                    return error("unterminated raw quoted string");
                }
                pos = end + 1;
                emit(RAW_STRING);
            } else if (r == '$') {
                if (!fieldOrVariable(VARIABLE)) {
                    return false;
                }
            } else if (r == '.' && pos < in.length() && !isDigit(in.charAt(pos))) {
                if (!fieldOrVariable(FIELD)) {
                    return false;
                }
            } else if (r == '.' || r == '+' || r == '-' || isDigit(r)) {
                pos--;
                if (!number()) {
                    return false;
                }
            } else if (isAlphaNumeric(r)) {
                pos -= Character.charCount(r);
                if (!identifier()) {
                    return false;
                }
            } else if (r == '(') {
                emit(LEFT_PAREN);
                parenDepth++;
            } else if (r == ')') {
                emit(RIGHT_PAREN);
                parenDepth--;
                if (parenDepth < 0) {
                    return error("unexpected right paren");
                }
            } else if (r < 0x7f && r >= 0x20) {
                emit(CHAR);
            } else {
                return error("unrecognized character in action: " + codePointName(r));
            }
        }
    }

    private void space() {
        int n = 0;
        while (pos < in.length() && isSpace(in.charAt(pos))) {
            pos++;
            n++;
        }
        // " -}}" is a trim marker, not a space token followed by a minus.
        if (hasRightTrimMarker(pos - 1)) {
            pos--;
            if (n == 1) {
                start = pos; // the single space belongs to the marker
                return;
            }
        }
        emit(SPACE);
    }

    private boolean quote(char q) {
        while (true) {
            if (pos >= in.length()) {
                return unterminated(q);
            }
            char c = in.charAt(pos++);
            if (c == '\\') {
                if (pos >= in.length() || in.charAt(pos) == '\n') {
                    return unterminated(q);
                }
                pos++;
            } else if (c == '\n') {
                return unterminated(q);
            } else if (c == q) {
                emit(q == '"' ? STRING : CHAR_CONSTANT);
                return true;
            }
        }
    }

    private boolean unterminated(char q) {
        return error(q == '"' ? "unterminated quoted string" : "unterminated character constant");
    }

    /** Called after '.' or '$' has been consumed. */
    private boolean fieldOrVariable(int type) {
        if (atTerminator()) {
            emit(type == VARIABLE ? VARIABLE : DOT);
            return true;
        }
        int r = -1;
        while (pos < in.length()) {
            r = in.codePointAt(pos);
            if (!isAlphaNumeric(r)) {
                break;
            }
            pos += Character.charCount(r);
        }
        if (!atTerminator()) {
            return error("bad character " + codePointName(in.codePointAt(pos)));
        }
        emit(type);
        return true;
    }

    private boolean identifier() {
        while (pos < in.length()) {
            int r = in.codePointAt(pos);
            if (!isAlphaNumeric(r)) {
                break;
            }
            pos += Character.charCount(r);
        }
        if (!atTerminator()) {
            return error("bad character " + codePointName(in.codePointAt(pos)));
        }
        String word = in.substring(start, pos);
        emit(keyword(word));
        return true;
    }

    private static int keyword(String word) {
        switch (word) {
            case "if": return IF;
            case "else": return ELSE;
            case "end": return END;
            case "range": return RANGE;
            case "with": return WITH;
            case "nil": return NIL;
            case "break": return BREAK;
            case "continue": return CONTINUE;
            case "define": return DEFINE;
            case "template": return TEMPLATE;
            case "block": return BLOCK;
            case "true":
            case "false": return BOOL;
            default: return IDENTIFIER;
        }
    }

    /** Accepts anything number-shaped; the parser decides whether it is a valid number. */
    private boolean number() {
        boolean ok = scanNumber();
        if (ok && pos < in.length() && (in.charAt(pos) == '+' || in.charAt(pos) == '-')) {
            // Go reads 1+2i as one complex number, so a sign glued onto a number is a syntax error.
            ok = scanNumber() && in.charAt(pos - 1) == 'i';
        }
        if (!ok) {
            return error("bad number syntax: " + Values.quote(in.substring(start, pos)));
        }
        emit(NUMBER);
        return true;
    }

    /** Go's scanNumber; false (having taken the offending character) when a letter follows. */
    private boolean scanNumber() {
        accept("+-");
        String digits = "0123456789_";
        if (accept("0")) {
            if (accept("xX")) {
                digits = "0123456789abcdefABCDEF_";
            } else if (accept("oO")) {
                digits = "01234567_";
            } else if (accept("bB")) {
                digits = "01_";
            }
        }
        acceptRun(digits);
        if (accept(".")) {
            acceptRun(digits);
        }
        if (digits.length() == 11 && accept("eE")) {
            accept("+-");
            acceptRun("0123456789_");
        }
        if (digits.length() == 23 && accept("pP")) {
            accept("+-");
            acceptRun("0123456789_");
        }
        accept("i");
        if (pos < in.length() && isAlphaNumeric(in.codePointAt(pos))) {
            pos += Character.charCount(in.codePointAt(pos));
            return false;
        }
        return true;
    }

    private boolean accept(String valid) {
        if (pos < in.length() && valid.indexOf(in.charAt(pos)) >= 0) {
            pos++;
            return true;
        }
        return false;
    }

    private void acceptRun(String valid) {
        while (accept(valid)) {
            // keep going
        }
    }

    /** 0: not at a right delimiter; 1: at "}}"; 2: at " -}}". */
    private int atRightDelim() {
        if (hasRightTrimMarker(pos)) {
            return 2;
        }
        return in.startsWith(RIGHT, pos) ? 1 : 0;
    }

    private boolean hasLeftTrimMarker(int at) {
        return at + 1 < in.length() && in.charAt(at) == '-' && isSpace(in.charAt(at + 1));
    }

    private boolean hasRightTrimMarker(int at) {
        return at >= 0 && at + 1 < in.length() && isSpace(in.charAt(at)) && in.charAt(at + 1) == '-'
                && in.startsWith(RIGHT, at + 2);
    }

    private boolean atTerminator() {
        if (pos >= in.length()) {
            return true;
        }
        char c = in.charAt(pos);
        if (isSpace(c)) {
            return true;
        }
        switch (c) {
            case '.': case ',': case '|': case ':': case ')': case '(':
                return true;
            default:
                return in.startsWith(RIGHT, pos);
        }
    }

    private int rightTrimmed(int from, int to) {
        while (to > from && isSpace(in.charAt(to - 1))) {
            to--;
        }
        return to;
    }

    private int leftTrimmed(int from) {
        while (from < in.length() && isSpace(in.charAt(from))) {
            from++;
        }
        return from;
    }

    private void emit(int type) {
        out.add(new Token(type, in.substring(start, pos), start, lineAt(start)));
        start = pos;
    }

    private boolean error(String message) {
        out.add(new Token(ERROR, message, start, lineAt(start)));
        return false;
    }

    private int lineAt(int p) {
        while (linePos < p) {
            if (in.charAt(linePos++) == '\n') {
                lineNo++;
            }
        }
        return lineNo;
    }

    static boolean isSpace(int c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n';
    }

    private static boolean isDigit(int c) {
        return c >= '0' && c <= '9';
    }

    static boolean isAlphaNumeric(int r) {
        return r == '_' || Character.isLetter(r) || Character.isDigit(r);
    }

    /** Go's %#U: U+007D '}' (the character is left out when it is not printable). */
    static String codePointName(int r) {
        String hex = Integer.toHexString(r).toUpperCase();
        StringBuilder sb = new StringBuilder("U+");
        for (int i = hex.length(); i < 4; i++) {
            sb.append('0');
        }
        sb.append(hex);
        if (Values.isPrint(r)) {
            sb.append(" '").appendCodePoint(r).append('\'');
        }
        return sb.toString();
    }
}
