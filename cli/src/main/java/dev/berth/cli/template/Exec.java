package dev.berth.cli.template;

import dev.berth.cli.template.Node.ActionNode;
import dev.berth.cli.template.Node.BoolNode;
import dev.berth.cli.template.Node.BranchNode;
import dev.berth.cli.template.Node.ChainNode;
import dev.berth.cli.template.Node.CommandNode;
import dev.berth.cli.template.Node.DotNode;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Walks a parsed template over a value, following Go's text/template/exec.go. One instance
 * runs one execution.
 */
final class Exec {
    /** Walk results: carry on, or unwind to the enclosing range. */
    private static final int NORMAL = 0;
    private static final int BREAK = 1;
    private static final int CONTINUE = 2;

    /** Marks "no value piped in from the previous stage", which differs from piping in MISSING. */
    private static final Object NO_FINAL = new Object();

    private final String text;
    private final StringBuilder out = new StringBuilder();
    // The variable stack: declarations push, control structures pop back to where they began.
    private final ArrayList<String> varNames = new ArrayList<>();
    private final ArrayList<Object> varValues = new ArrayList<>();
    /** The node being evaluated, named in error messages. */
    private Node at;

    Exec(String text) {
        this.text = text;
    }

    String run(ListNode root, Object data) {
        Object dot = data == null ? Values.MISSING : data;
        push("$", dot);
        walk(dot, root);
        return out.toString();
    }

    // ---- statements ----

    /**
     * Go would print whatever a template asks for; berth holds the output in memory, so a
     * template that would print more than this, or walk more nodes (a range over a huge number
     * prints nothing yet never ends), is stopped with an error instead of exhausting the heap.
     */
    static final int MAX_OUTPUT = 64 << 20;
    static final long MAX_STEPS = 20_000_000;
    private long steps;

    private int walk(Object dot, Node node) {
        if (++steps > MAX_STEPS || out.length() > MAX_OUTPUT) {
            throw error(steps > MAX_STEPS ? "the template takes more than " + MAX_STEPS + " steps; is a range too large?"
                : "the template prints more than " + (MAX_OUTPUT >> 20) + " MiB; is a range too large?");
        }
        if (node instanceof TextNode) {
            out.append(((TextNode) node).text);
        } else if (node instanceof ActionNode) {
            PipeNode pipe = ((ActionNode) node).pipe;
            Object v = evalPipeline(dot, pipe);
            if (pipe.decl.isEmpty()) {
                Values.print(out, v);
            }
        } else if (node instanceof ListNode) {
            for (Node n : ((ListNode) node).nodes) {
                int r = walk(dot, n);
                if (r != NORMAL) {
                    return r;
                }
            }
        } else if (node instanceof BranchNode) {
            BranchNode b = (BranchNode) node;
            int mark = varNames.size();
            int r = b.kind == BranchNode.RANGE ? walkRange(dot, b) : walkIfOrWith(dot, b);
            pop(mark);
            return r;
        } else if (node instanceof LoopControlNode) {
            return ((LoopControlNode) node).isBreak ? BREAK : CONTINUE;
        } else {
            throw error("unknown node: " + node);
        }
        return NORMAL;
    }

    private int walkIfOrWith(Object dot, BranchNode b) {
        Object v = evalPipeline(dot, b.pipe);
        if (Values.isTrue(v)) {
            return walk(b.kind == BranchNode.WITH ? v : dot, b.list);
        }
        return b.elseList != null ? walk(dot, b.elseList) : NORMAL;
    }

    private int walkRange(Object dot, BranchNode b) {
        at = b;
        Object v = evalPipeline(dot, b.pipe);
        int mark = varNames.size();
        if (v instanceof List) {
            List<?> list = (List<?>) v;
            if (list.isEmpty()) {
                return walkElse(dot, b);
            }
            for (int k = 0; k < list.size(); k++) {
                if (oneIteration(b, (long) k, list.get(k), mark) == BREAK) {
                    break;
                }
            }
        } else if (v instanceof Map) {
            Map<?, ?> m = (Map<?, ?>) v;
            if (m.isEmpty()) {
                return walkElse(dot, b);
            }
            for (String k : Values.sortedKeys(m)) {
                if (oneIteration(b, k, m.get(k), mark) == BREAK) {
                    break;
                }
            }
        } else if (Values.isInt(v)) {
            // Go 1.22 ranges over an integer n as 0..n-1.
            if (b.pipe.decl.size() > 1) {
                throw error("can't use " + Values.toDisplay(v) + " to iterate over more than one variable");
            }
            long n = ((Number) v).longValue();
            if (n <= 0) {
                return walkElse(dot, b);
            }
            for (long k = 0; k < n; k++) {
                if (oneIteration(b, k, k, mark) == BREAK) {
                    break;
                }
            }
        } else if (v == Values.MISSING || v == null) {
            return walkElse(dot, b); // like a nil map: nothing to range over, not an error
        } else {
            throw error("range can't iterate over " + Values.toDisplay(v));
        }
        return NORMAL;
    }

    private int walkElse(Object dot, BranchNode b) {
        return b.elseList != null ? walk(dot, b.elseList) : NORMAL;
    }

    private int oneIteration(BranchNode b, Object index, Object elem, int mark) {
        ArrayList<VariableNode> decl = b.pipe.decl;
        // With one variable it gets the element; with two, the index (or key) and the element.
        if (!decl.isEmpty()) {
            if (b.pipe.isAssign) {
                setVar(decl.get(0).ident[0], decl.size() > 1 ? index : elem);
                if (decl.size() > 1) {
                    setVar(decl.get(1).ident[0], elem);
                }
            } else {
                // evalPipeline pushed the declared variables; overwrite them each time round.
                int base = mark - decl.size();
                varValues.set(base, decl.size() > 1 ? index : elem);
                if (decl.size() > 1) {
                    varValues.set(base + 1, elem);
                }
            }
        }
        int r = walk(elem, b.list);
        pop(mark);
        return r;
    }

    // ---- expressions ----

    private Object evalPipeline(Object dot, PipeNode pipe) {
        at = pipe;
        Object value = NO_FINAL;
        for (CommandNode cmd : pipe.cmds) {
            value = evalCommand(dot, cmd, value);
            // Go unwraps interface values between stages, which turns a JSON null into no value.
            if (value == null) {
                value = Values.MISSING;
            }
        }
        for (VariableNode v : pipe.decl) {
            if (pipe.isAssign) {
                setVar(v.ident[0], value);
            } else {
                push(v.ident[0], value);
            }
        }
        return value;
    }

    private Object evalCommand(Object dot, CommandNode cmd, Object fin) {
        Node first = cmd.args.get(0);
        if (first instanceof FieldNode) {
            return evalFieldNode(dot, (FieldNode) first, cmd.args, fin);
        }
        if (first instanceof ChainNode) {
            return evalChain(dot, (ChainNode) first, cmd.args, fin);
        }
        if (first instanceof IdentifierNode) {
            return evalFunction(dot, (IdentifierNode) first, cmd, cmd.args, fin);
        }
        if (first instanceof PipeNode) {
            // A parenthesized pipeline: its arguments are all inside the parentheses.
            notAFunction(cmd.args, fin);
            return evalPipeline(dot, (PipeNode) first);
        }
        if (first instanceof VariableNode) {
            return evalVariable(dot, (VariableNode) first, cmd.args, fin);
        }
        at = first;
        notAFunction(cmd.args, fin);
        if (first instanceof BoolNode) {
            return ((BoolNode) first).value;
        }
        if (first instanceof DotNode) {
            return dot;
        }
        if (first instanceof NilNode) {
            throw error("nil is not a command");
        }
        if (first instanceof NumberNode) {
            return ((NumberNode) first).value;
        }
        if (first instanceof StringNode) {
            return ((StringNode) first).text;
        }
        throw error("can't evaluate command " + Values.quote(first.toString()));
    }

    private void notAFunction(List<Node> args, Object fin) {
        if ((args != null && args.size() > 1) || fin != NO_FINAL) {
            throw error("can't give argument to non-function " + (args != null ? args.get(0) : at));
        }
    }

    private Object evalFieldNode(Object dot, FieldNode field, List<Node> args, Object fin) {
        at = field;
        return evalFieldChain(dot, field.ident, 0, args, fin);
    }

    private Object evalChain(Object dot, ChainNode chain, List<Node> args, Object fin) {
        at = chain;
        if (chain.node instanceof NilNode) {
            throw error("indirection through explicit nil in " + chain);
        }
        Object v = evalArg(dot, chain.node);
        return evalFieldChain(v, chain.fields.toArray(new String[0]), 0, args, fin);
    }

    private Object evalVariable(Object dot, VariableNode v, List<Node> args, Object fin) {
        at = v;
        Object value = varValue(v.ident[0]);
        if (v.ident.length == 1) {
            notAFunction(args, fin);
            return value;
        }
        return evalFieldChain(value, v.ident, 1, args, fin);
    }

    /** Looks up fields ident[from..] starting at receiver; only the last may get arguments. */
    private Object evalFieldChain(Object receiver, String[] ident, int from, List<Node> args, Object fin) {
        for (int k = from; k < ident.length - 1; k++) {
            receiver = evalField(ident[k], null, NO_FINAL, receiver);
        }
        return evalField(ident[ident.length - 1], args, fin, receiver);
    }

    private Object evalField(String name, List<Node> args, Object fin, Object receiver) {
        if (receiver == Values.MISSING) {
            return Values.MISSING; // .A.B where A is missing: still no value, not an error
        }
        if (receiver == null) {
            throw error("nil pointer evaluating interface {}." + name);
        }
        if (receiver instanceof Map) {
            if ((args != null && args.size() > 1) || fin != NO_FINAL) {
                throw error(name + " is not a method but has arguments");
            }
            Map<?, ?> m = (Map<?, ?>) receiver;
            Object v = m.get(name);
            return v == null && !m.containsKey(name) ? Values.MISSING : v;
        }
        throw error("can't evaluate field " + name + " in type " + Values.typeName(receiver));
    }

    /** cmd is the whole command for error messages; args[0] is the function name itself. */
    private Object evalFunction(Object dot, IdentifierNode ident, Node cmd, List<Node> args, Object fin) {
        at = ident;
        String name = ident.name;
        Funcs.Sig sig = Funcs.sig(name);
        if (sig == null) {
            throw error(Values.quote(name) + " is not a defined function");
        }
        int given = args.size() - 1 + (fin != NO_FINAL ? 1 : 0);
        if (sig.variadic && given < sig.min) {
            throw error("wrong number of args for " + name + ": want at least " + sig.min + " got " + given);
        }
        if (!sig.variadic && given != sig.min) {
            throw error("wrong number of args for " + name + ": want " + sig.min + " got " + given);
        }
        if (name.equals("and") || name.equals("or")) {
            return andOr(dot, name.equals("or"), args, fin);
        }
        Object[] values = new Object[given];
        for (int k = 1; k < args.size(); k++) {
            values[k - 1] = argument(sig.kind(k - 1), evalArg(dot, args.get(k)));
        }
        if (fin != NO_FINAL) {
            values[given - 1] = argument(sig.kind(given - 1), fin);
        }
        try {
            return Funcs.call(name, values);
        } catch (Funcs.CallError e) {
            at = cmd;
            throw error("error calling " + name + ": " + e.getMessage());
        }
    }

    private Object argument(char kind, Object v) {
        String problem = Funcs.argError(kind, v);
        if (problem != null) {
            throw error(problem);
        }
        return Funcs.adapt(kind, v);
    }

    /** and/or stop at the first argument that decides the answer and return that argument. */
    private Object andOr(Object dot, boolean isOr, List<Node> args, Object fin) {
        Object v = null;
        for (int k = 1; k < args.size(); k++) {
            v = evalArg(dot, args.get(k));
            if (Values.isTrue(v) == isOr) {
                return v;
            }
        }
        return fin != NO_FINAL ? fin : v;
    }

    /** An argument to a function or a chain: evaluated without calling anything with it. */
    private Object evalArg(Object dot, Node n) {
        at = n;
        if (n instanceof DotNode) {
            return dot;
        }
        if (n instanceof NilNode) {
            return null;
        }
        if (n instanceof FieldNode) {
            return evalFieldNode(dot, (FieldNode) n, null, NO_FINAL);
        }
        if (n instanceof VariableNode) {
            return evalVariable(dot, (VariableNode) n, null, NO_FINAL);
        }
        if (n instanceof PipeNode) {
            return evalPipeline(dot, (PipeNode) n);
        }
        if (n instanceof IdentifierNode) {
            // A function named as an argument is called with no arguments: {{print len}}.
            return evalFunction(dot, (IdentifierNode) n, n, List.of(n), NO_FINAL);
        }
        if (n instanceof ChainNode) {
            return evalChain(dot, (ChainNode) n, null, NO_FINAL);
        }
        if (n instanceof BoolNode) {
            return ((BoolNode) n).value;
        }
        if (n instanceof NumberNode) {
            return ((NumberNode) n).value;
        }
        if (n instanceof StringNode) {
            return ((StringNode) n).text;
        }
        throw error("can't handle " + n + " as an argument");
    }

    // ---- variables ----

    private void push(String name, Object value) {
        varNames.add(name);
        varValues.add(value);
    }

    private void pop(int mark) {
        while (varNames.size() > mark) {
            varNames.remove(varNames.size() - 1);
            varValues.remove(varValues.size() - 1);
        }
    }

    private Object varValue(String name) {
        for (int k = varNames.size() - 1; k >= 0; k--) {
            if (varNames.get(k).equals(name)) {
                return varValues.get(k);
            }
        }
        throw error("undefined variable: " + name);
    }

    private void setVar(String name, Object value) {
        for (int k = varNames.size() - 1; k >= 0; k--) {
            if (varNames.get(k).equals(name)) {
                varValues.set(k, value);
                return;
            }
        }
        throw error("undefined variable: " + name);
    }

    // ---- errors ----

    /** Go's form: template: :LINE:COL: executing "" at <NODE>: MESSAGE (COL counts from 0). */
    private TemplateException error(String msg) {
        if (at == null) {
            return new TemplateException("template: : " + msg);
        }
        int pos = Math.min(at.pos, text.length());
        int line = 1;
        int lineStart = 0;
        for (int k = 0; k < pos; k++) {
            if (text.charAt(k) == '\n') {
                line++;
                lineStart = k + 1;
            }
        }
        return new TemplateException("template: :" + line + ":" + (pos - lineStart)
                + ": executing \"\" at <" + at + ">: " + msg);
    }
}
