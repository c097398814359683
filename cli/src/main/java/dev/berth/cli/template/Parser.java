package dev.berth.cli.template;

import dev.berth.cli.template.Lexer.Token;
import dev.berth.cli.template.Node.ActionNode;
import dev.berth.cli.template.Node.BoolNode;
import dev.berth.cli.template.Node.BranchNode;
import dev.berth.cli.template.Node.ChainNode;
import dev.berth.cli.template.Node.CommandNode;
import dev.berth.cli.template.Node.DotNode;
import dev.berth.cli.template.Node.ElseNode;
import dev.berth.cli.template.Node.EndNode;
import dev.berth.cli.template.Node.FieldNode;
import dev.berth.cli.template.Node.IdentifierNode;
import dev.berth.cli.template.Node.ListNode;
import dev.berth.cli.template.Node.LoopControlNode;
import dev.berth.cli.template.Node.NilNode;
import dev.berth.cli.template.Node.NumberNode;
import dev.berth.cli.template.Node.PipeNode;
import dev.berth.cli.template.Node.StringNode;
import dev.berth.cli.template.Node.TextNode;
import dev.berth.cli.template.Node.VariableNode;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;

/**
 * Recursive-descent parser mirroring Go's text/template/parse/parse.go, so that the same
 * templates are accepted and the same mistakes get the same messages.
 */
final class Parser {
    private final ArrayList<Token> toks;
    private int i;
    private int maxRead;
    private final ArrayList<String> vars = new ArrayList<>();
    private int rangeDepth;
    private int actionLine;

    private Parser(ArrayList<Token> toks) {
        this.toks = toks;
        vars.add("$");
    }

    static ListNode parse(String text) {
        return new Parser(Lexer.lex(text)).parseAll();
    }

    private ListNode parseAll() {
        ListNode root = new ListNode(0);
        while (peek().type != Lexer.EOF) {
            Node n = textOrAction();
            if (n instanceof EndNode || n instanceof ElseNode) {
                throw error("unexpected " + n);
            }
            root.nodes.add(n);
        }
        return root;
    }

    // ---- token stream ----

    private Token next() {
        // The last token (EOF or ERROR) repeats forever; the index still moves so backup() works.
        int at = Math.min(i, toks.size() - 1);
        i++;
        if (at > maxRead) {
            maxRead = at;
        }
        return toks.get(at);
    }

    private void backup() {
        i--;
    }

    private Token peek() {
        Token t = next();
        backup();
        return t;
    }

    private Token nextNonSpace() {
        Token t;
        do {
            t = next();
        } while (t.type == Lexer.SPACE);
        return t;
    }

    private Token peekNonSpace() {
        Token t = nextNonSpace();
        backup();
        return t;
    }

    private Token expect(int type, String context) {
        Token t = nextNonSpace();
        if (t.type != type) {
            throw unexpected(t, context);
        }
        return t;
    }

    // ---- errors ----

    /** Like Go, name the line of the furthest token read. */
    private TemplateException error(String msg) {
        int line = toks.get(Math.min(maxRead, toks.size() - 1)).line;
        return new TemplateException("template: :" + line + ": " + msg);
    }

    private TemplateException unexpected(Token t, String context) {
        if (t.type == Lexer.ERROR) {
            String extra = "";
            if (actionLine != 0 && actionLine != t.line) {
                extra = " in action started at :" + actionLine;
                if (t.val.endsWith(" action")) {
                    extra = extra.substring(" in action".length());
                }
            }
            return error(t.val + extra);
        }
        return error("unexpected " + t + " in " + context);
    }

    // ---- structure ----

    private Node textOrAction() {
        Token t = nextNonSpace();
        switch (t.type) {
            case Lexer.TEXT:
                return new TextNode(t.pos, t.val);
            case Lexer.LEFT_DELIM:
                actionLine = t.line;
                Node n = action();
                actionLine = 0;
                return n;
            default:
                throw unexpected(t, "input");
        }
    }

    private Node action() {
        Token t = nextNonSpace();
        switch (t.type) {
            case Lexer.BLOCK:
            case Lexer.DEFINE:
            case Lexer.TEMPLATE:
                throw error("{{" + t.val + "}} is not supported");
            case Lexer.BREAK:
            case Lexer.CONTINUE:
                return loopControl(t);
            case Lexer.ELSE:
                return elseControl();
            case Lexer.END:
                return new EndNode(expect(Lexer.RIGHT_DELIM, "end").pos);
            case Lexer.IF:
                return control(BranchNode.IF, "if");
            case Lexer.RANGE:
                return control(BranchNode.RANGE, "range");
            case Lexer.WITH:
                return control(BranchNode.WITH, "with");
            default:
                backup();
                return new ActionNode(peek().pos, pipeline("command", Lexer.RIGHT_DELIM));
        }
    }

    private Node loopControl(Token t) {
        String name = "{{" + t.val + "}}";
        Token n = nextNonSpace();
        if (n.type != Lexer.RIGHT_DELIM) {
            throw unexpected(n, name);
        }
        if (rangeDepth == 0) {
            throw error(name + " outside {{range}}");
        }
        return new LoopControlNode(t.pos, t.type == Lexer.BREAK);
    }

    private Node elseControl() {
        // "{{else if ...}}" and "{{else with ...}}" are read as "{{else}}{{if ...}}" sharing one {{end}}.
        Token p = peekNonSpace();
        if (p.type == Lexer.IF || p.type == Lexer.WITH) {
            return new ElseNode(p.pos);
        }
        return new ElseNode(expect(Lexer.RIGHT_DELIM, "else").pos);
    }

    private BranchNode control(int kind, String context) {
        int varsMark = vars.size();
        PipeNode pipe = pipeline(context, Lexer.RIGHT_DELIM);
        if (kind == BranchNode.RANGE) {
            rangeDepth++;
        }
        ListNode list = new ListNode(peekNonSpace().pos);
        Node next = itemList(list);
        if (kind == BranchNode.RANGE) {
            rangeDepth--;
        }
        ListNode elseList = null;
        if (next instanceof ElseNode) {
            elseList = new ListNode(next.pos);
            if (kind == BranchNode.IF && peek().type == Lexer.IF) {
                next();
                elseList.nodes.add(control(BranchNode.IF, "if"));
            } else if (kind == BranchNode.WITH && peek().type == Lexer.WITH) {
                next();
                elseList.nodes.add(control(BranchNode.WITH, "with"));
            } else {
                next = itemList(elseList);
                if (!(next instanceof EndNode)) {
                    throw error("expected end; found " + next);
                }
            }
        }
        // Variables declared inside the control structure go out of scope at its end.
        while (vars.size() > varsMark) {
            vars.remove(vars.size() - 1);
        }
        return new BranchNode(kind, pipe, list, elseList);
    }

    /** Fills list until {{end}} or {{else}}, which is returned. */
    private Node itemList(ListNode list) {
        while (peekNonSpace().type != Lexer.EOF) {
            Node n = textOrAction();
            if (n instanceof EndNode || n instanceof ElseNode) {
                return n;
            }
            list.nodes.add(n);
        }
        throw error("unexpected EOF");
    }

    // ---- pipelines ----

    private PipeNode pipeline(String context, int end) {
        PipeNode pipe = new PipeNode(peekNonSpace().pos);
        while (true) {
            Token v = peekNonSpace();
            if (v.type != Lexer.VARIABLE) {
                break;
            }
            int at = i;
            next();
            Token n = peekNonSpace();
            if (n.type == Lexer.DECLARE || n.type == Lexer.ASSIGN) {
                nextNonSpace();
                pipe.isAssign = n.type == Lexer.ASSIGN;
                // Like Go, "$x = ..." of an undeclared $x only fails if it runs.
                pipe.decl.add(new VariableNode(v.pos, new String[] {v.val}));
                vars.add(v.val);
                break;
            }
            if (n.type == Lexer.CHAR && n.val.equals(",")) {
                nextNonSpace();
                pipe.decl.add(new VariableNode(v.pos, new String[] {v.val}));
                vars.add(v.val);
                if (context.equals("range") && pipe.decl.size() < 2) {
                    int t = peekNonSpace().type;
                    if (t == Lexer.VARIABLE || t == Lexer.RIGHT_DELIM || t == Lexer.RIGHT_PAREN) {
                        continue; // the second variable of "range $i, $e :="
                    }
                    throw error("range can only initialize variables");
                }
                throw error("too many declarations in " + context);
            }
            i = at; // "$x" is an operand, not a declaration
            break;
        }
        while (true) {
            Token t = nextNonSpace();
            if (t.type == end) {
                checkPipeline(pipe, context);
                return pipe;
            }
            switch (t.type) {
                case Lexer.BOOL: case Lexer.CHAR_CONSTANT: case Lexer.DOT: case Lexer.FIELD:
                case Lexer.IDENTIFIER: case Lexer.NUMBER: case Lexer.NIL: case Lexer.RAW_STRING:
                case Lexer.STRING: case Lexer.VARIABLE: case Lexer.LEFT_PAREN:
                    backup();
                    pipe.cmds.add(command());
                    break;
                default:
                    throw unexpected(t, context);
            }
        }
    }

    private void checkPipeline(PipeNode pipe, String context) {
        if (pipe.cmds.isEmpty()) {
            throw error("missing value for " + context);
        }
        // Only the first stage may be a plain value: "x | 2" has nothing to pass 2 to.
        for (int k = 1; k < pipe.cmds.size(); k++) {
            Node first = pipe.cmds.get(k).args.get(0);
            if (first instanceof BoolNode || first instanceof DotNode || first instanceof NilNode
                    || first instanceof NumberNode || first instanceof StringNode) {
                throw error("non executable command in pipeline stage " + (k + 1));
            }
        }
    }

    private CommandNode command() {
        CommandNode cmd = new CommandNode(peekNonSpace().pos);
        while (true) {
            peekNonSpace();
            Node op = operand();
            if (op != null) {
                cmd.args.add(op);
            }
            Token t = next();
            if (t.type == Lexer.SPACE) {
                continue;
            }
            if (t.type == Lexer.RIGHT_DELIM || t.type == Lexer.RIGHT_PAREN) {
                backup();
            } else if (t.type != Lexer.PIPE) {
                throw unexpected(t, "operand");
            }
            break;
        }
        if (cmd.args.isEmpty()) {
            throw error("empty command");
        }
        return cmd;
    }

    private Node operand() {
        Node node = term();
        if (node == null || peek().type != Lexer.FIELD) {
            return node;
        }
        ChainNode chain = new ChainNode(peek().pos, node);
        while (peek().type == Lexer.FIELD) {
            chain.fields.add(next().val.substring(1));
        }
        if (node instanceof FieldNode) {
            return new FieldNode(chain.pos, concat(((FieldNode) node).ident, chain.fields));
        }
        if (node instanceof VariableNode) {
            return new VariableNode(chain.pos, concat(((VariableNode) node).ident, chain.fields));
        }
        if (node instanceof BoolNode || node instanceof StringNode || node instanceof NumberNode
                || node instanceof NilNode || node instanceof DotNode) {
            throw error("unexpected . after term " + Values.quote(node.toString()));
        }
        return chain;
    }

    private static String[] concat(String[] a, ArrayList<String> b) {
        String[] r = new String[a.length + b.size()];
        System.arraycopy(a, 0, r, 0, a.length);
        for (int k = 0; k < b.size(); k++) {
            r[a.length + k] = b.get(k);
        }
        return r;
    }

    private Node term() {
        Token t = nextNonSpace();
        switch (t.type) {
            case Lexer.IDENTIFIER:
                if (!Funcs.exists(t.val)) {
                    throw error("function " + Values.quote(t.val) + " not defined");
                }
                return new IdentifierNode(t.pos, t.val);
            case Lexer.DOT:
                return new DotNode(t.pos);
            case Lexer.NIL:
                return new NilNode(t.pos);
            case Lexer.VARIABLE:
                if (!vars.contains(t.val)) {
                    throw error("undefined variable " + Values.quote(t.val));
                }
                return new VariableNode(t.pos, new String[] {t.val});
            case Lexer.FIELD:
                return new FieldNode(t.pos, new String[] {t.val.substring(1)});
            case Lexer.BOOL:
                return new BoolNode(t.pos, t.val.equals("true"));
            case Lexer.CHAR_CONSTANT:
                return new NumberNode(t.pos, t.val, (long) charConstant(t.val));
            case Lexer.NUMBER:
                return new NumberNode(t.pos, t.val, number(t.val));
            case Lexer.LEFT_PAREN:
                return pipeline("parenthesized pipeline", Lexer.RIGHT_PAREN);
            case Lexer.STRING:
                return new StringNode(t.pos, t.val, unquote(t.val));
            case Lexer.RAW_STRING:
                return new StringNode(t.pos, t.val, t.val.substring(1, t.val.length() - 1));
            default:
                backup();
                return null;
        }
    }

    // ---- literals ----

    /** Go's number syntax: a Long for integer text, a Double when it has a fraction or exponent. */
    private Number number(String text) {
        if (!underscoresOk(text)) {
            throw error("illegal number syntax: " + Values.quote(text));
        }
        String s = text.replace("_", "");
        boolean neg = s.startsWith("-");
        if (neg || s.startsWith("+")) {
            s = s.substring(1);
        }
        int radix = 10;
        String digits = s;
        if (s.length() > 1 && s.charAt(0) == '0') {
            char p = Character.toLowerCase(s.charAt(1));
            if (p == 'x') {
                radix = 16;
                digits = s.substring(2);
            } else if (p == 'o') {
                radix = 8;
                digits = s.substring(2);
            } else if (p == 'b') {
                radix = 2;
                digits = s.substring(2);
            } else if (isDigits(s) && isIntDigits(s, 8)) {
                radix = 8; // a leading 0 means octal for integers, as in Go
                digits = s.substring(1);
            }
        }
        if (!digits.isEmpty() && isIntDigits(digits, radix)) {
            try {
                long v = Long.parseLong(digits, radix);
                return neg ? -v : v;
            } catch (NumberFormatException e) {
                throw error(text + " overflows int");
            }
        }
        if (!s.isEmpty() && !s.endsWith("i") && (radix == 10 || radix == 8 || radix == 16)) {
            try {
                double d = Double.parseDouble(s);
                return neg ? -d : d;
            } catch (NumberFormatException e) {
                // fall through to the syntax error
            }
        }
        throw error("illegal number syntax: " + Values.quote(text));
    }

    /** Go allows '_' only between digits (or right after a base prefix like 0x_1). */
    private static boolean underscoresOk(String s) {
        for (int k = 0; k < s.length(); k++) {
            if (s.charAt(k) != '_') {
                continue;
            }
            char before = k > 0 ? s.charAt(k - 1) : ' ';
            char after = k + 1 < s.length() ? s.charAt(k + 1) : ' ';
            boolean prefix = k == 2 && s.charAt(0) == '0' || k == 3 && s.charAt(1) == '0' && !isDigit(s.charAt(0));
            if (!(Character.digit(before, 16) >= 0 || prefix) || Character.digit(after, 16) < 0) {
                return false;
            }
        }
        return true;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isDigits(String s) {
        for (int k = 0; k < s.length(); k++) {
            if (s.charAt(k) < '0' || s.charAt(k) > '9') {
                return false;
            }
        }
        return true;
    }

    private static boolean isIntDigits(String s, int radix) {
        for (int k = 0; k < s.length(); k++) {
            if (Character.digit(s.charAt(k), radix) < 0) {
                return false;
            }
        }
        return true;
    }

    private int charConstant(String quoted) {
        String body = quoted.substring(1, quoted.length() - 1);
        int[] cp = new int[1];
        int end = body.isEmpty() ? -1 : unquoteChar(body, 0, '\'', cp, null);
        if (end < 0) {
            throw error("invalid syntax");
        }
        if (end != body.length()) {
            throw error("malformed character constant: " + quoted);
        }
        return cp[0];
    }

    /** Go's strconv.Unquote for a double-quoted literal. */
    private String unquote(String quoted) {
        String body = quoted.substring(1, quoted.length() - 1);
        if (body.indexOf('\\') < 0) {
            return body;
        }
        // \x and octal escapes produce raw bytes that may combine into UTF-8, so build bytes.
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(body.length());
        int[] cp = new int[1];
        int k = 0;
        while (k < body.length()) {
            k = unquoteChar(body, k, '"', cp, bytes);
            if (k < 0) {
                throw error("invalid syntax");
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /**
     * Decodes one possibly escaped character at s[k]. Writes it to out when given (raw bytes
     * for \x and octal escapes), stores the code point in cp[0], and returns the next index,
     * or -1 for a bad escape.
     */
    private static int unquoteChar(String s, int k, char quote, int[] cp, ByteArrayOutputStream out) {
        int c = s.codePointAt(k);
        if (c != '\\') {
            cp[0] = c;
            writeUtf8(out, c);
            return k + Character.charCount(c);
        }
        if (k + 1 >= s.length()) {
            return -1;
        }
        char e = s.charAt(k + 1);
        int v;
        switch (e) {
            case 'a': v = 7; break;
            case 'b': v = '\b'; break;
            case 'f': v = '\f'; break;
            case 'n': v = '\n'; break;
            case 'r': v = '\r'; break;
            case 't': v = '\t'; break;
            case 'v': v = 11; break;
            case '\\': v = '\\'; break;
            case '\'':
            case '"':
                if (e != quote) {
                    return -1;
                }
                v = e;
                break;
            case 'x':
            case 'u':
            case 'U': {
                int n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
                if (k + 2 + n > s.length()) {
                    return -1;
                }
                v = 0;
                for (int j = 0; j < n; j++) {
                    int d = Character.digit(s.charAt(k + 2 + j), 16);
                    if (d < 0) {
                        return -1;
                    }
                    v = v * 16 + d;
                }
                if (e == 'x') {
                    cp[0] = v;
                    if (out != null) {
                        out.write(v);
                    }
                    return k + 4;
                }
                if (v > 0x10FFFF || (v >= 0xD800 && v < 0xE000)) {
                    return -1;
                }
                cp[0] = v;
                writeUtf8(out, v);
                return k + 2 + n;
            }
            default: {
                if (e < '0' || e > '7' || k + 4 > s.length()) {
                    return -1;
                }
                v = 0;
                for (int j = 1; j <= 3; j++) {
                    int d = s.charAt(k + j) - '0';
                    if (d < 0 || d > 7) {
                        return -1;
                    }
                    v = v * 8 + d;
                }
                if (v > 255) {
                    return -1;
                }
                cp[0] = v;
                if (out != null) {
                    out.write(v);
                }
                return k + 4;
            }
        }
        cp[0] = v;
        writeUtf8(out, v);
        return k + 2;
    }

    private static void writeUtf8(ByteArrayOutputStream out, int c) {
        if (out == null) {
            return;
        }
        if (c < 0x80) {
            out.write(c);
        } else if (c < 0x800) {
            out.write(0xC0 | (c >> 6));
            out.write(0x80 | (c & 0x3F));
        } else if (c < 0x10000) {
            out.write(0xE0 | (c >> 12));
            out.write(0x80 | ((c >> 6) & 0x3F));
            out.write(0x80 | (c & 0x3F));
        } else {
            out.write(0xF0 | (c >> 18));
            out.write(0x80 | ((c >> 12) & 0x3F));
            out.write(0x80 | ((c >> 6) & 0x3F));
            out.write(0x80 | (c & 0x3F));
        }
    }
}
