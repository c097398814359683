package dev.berth.cli.template;

import java.util.ArrayList;

/**
 * Parse tree nodes. {@code pos} is the offset of the node in the template text, used to
 * name the line and column in execution errors. {@code toString()} re-creates the source
 * form, which Go shows as the context of an error ("at &lt;.State.Pid&gt;").
 */
abstract class Node {
    final int pos;

    Node(int pos) {
        this.pos = pos;
    }

    static final class ListNode extends Node {
        final ArrayList<Node> nodes = new ArrayList<>();

        ListNode(int pos) {
            super(pos);
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder();
            for (Node n : nodes) {
                sb.append(n);
            }
            return sb.toString();
        }
    }

    static final class TextNode extends Node {
        final String text;

        TextNode(int pos, String text) {
            super(pos);
            this.text = text;
        }

        @Override
        public String toString() {
            return Values.quote(text);
        }
    }

    static final class ActionNode extends Node {
        final PipeNode pipe;

        ActionNode(int pos, PipeNode pipe) {
            super(pos);
            this.pipe = pipe;
        }

        @Override
        public String toString() {
            return "{{" + pipe + "}}";
        }
    }

    /** A pipeline, optionally declaring ({@code :=}) or assigning ({@code =}) variables. */
    static final class PipeNode extends Node {
        final ArrayList<VariableNode> decl = new ArrayList<>();
        final ArrayList<CommandNode> cmds = new ArrayList<>();
        boolean isAssign;

        PipeNode(int pos) {
            super(pos);
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < decl.size(); i++) {
                sb.append(i > 0 ? ", " : "").append(decl.get(i));
            }
            if (!decl.isEmpty()) {
                sb.append(isAssign ? " = " : " := ");
            }
            for (int i = 0; i < cmds.size(); i++) {
                sb.append(i > 0 ? " | " : "").append(cmds.get(i));
            }
            return sb.toString();
        }
    }

    /** One stage of a pipeline: an operand, or a function name followed by its arguments. */
    static final class CommandNode extends Node {
        final ArrayList<Node> args = new ArrayList<>();

        CommandNode(int pos) {
            super(pos);
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < args.size(); i++) {
                Node a = args.get(i);
                sb.append(i > 0 ? " " : "");
                if (a instanceof PipeNode) {
                    sb.append('(').append(a).append(')');
                } else {
                    sb.append(a);
                }
            }
            return sb.toString();
        }
    }

    /** {@code .A.B}: the names without dots. */
    static final class FieldNode extends Node {
        final String[] ident;

        FieldNode(int pos, String[] ident) {
            super(pos);
            this.ident = ident;
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder();
            for (String s : ident) {
                sb.append('.').append(s);
            }
            return sb.toString();
        }
    }

    /** {@code $x.A.B}: ident[0] is the variable name including '$', the rest are fields. */
    static final class VariableNode extends Node {
        final String[] ident;

        VariableNode(int pos, String[] ident) {
            super(pos);
            this.ident = ident;
        }

        @Override
        public String toString() {
            return String.join(".", ident);
        }
    }

    /** Fields applied to a parenthesized pipeline: {@code (index .X 0).Name}. */
    static final class ChainNode extends Node {
        final Node node;
        final ArrayList<String> fields = new ArrayList<>();

        ChainNode(int pos, Node node) {
            super(pos);
            this.node = node;
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder();
            if (node instanceof PipeNode) {
                sb.append('(').append(node).append(')');
            } else {
                sb.append(node);
            }
            for (String f : fields) {
                sb.append('.').append(f);
            }
            return sb.toString();
        }
    }

    static final class IdentifierNode extends Node {
        final String name;

        IdentifierNode(int pos, String name) {
            super(pos);
            this.name = name;
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static final class DotNode extends Node {
        DotNode(int pos) {
            super(pos);
        }

        @Override
        public String toString() {
            return ".";
        }
    }

    static final class NilNode extends Node {
        NilNode(int pos) {
            super(pos);
        }

        @Override
        public String toString() {
            return "nil";
        }
    }

    static final class BoolNode extends Node {
        final Boolean value;

        BoolNode(int pos, boolean value) {
            super(pos);
            this.value = value;
        }

        @Override
        public String toString() {
            return value.toString();
        }
    }

    /** A number or character literal; value is a Long, or a Double for float syntax. */
    static final class NumberNode extends Node {
        final String text;
        final Number value;

        NumberNode(int pos, String text, Number value) {
            super(pos);
            this.text = text;
            this.value = value;
        }

        @Override
        public String toString() {
            return text;
        }
    }

    static final class StringNode extends Node {
        final String quoted;
        final String text;

        StringNode(int pos, String quoted, String text) {
            super(pos);
            this.quoted = quoted;
            this.text = text;
        }

        @Override
        public String toString() {
            return quoted;
        }
    }

    /** if / range / with. */
    static final class BranchNode extends Node {
        static final int IF = 0;
        static final int RANGE = 1;
        static final int WITH = 2;

        final int kind;
        final PipeNode pipe;
        final ListNode list;
        final ListNode elseList; // may be null

        BranchNode(int kind, PipeNode pipe, ListNode list, ListNode elseList) {
            super(pipe.pos);
            this.kind = kind;
            this.pipe = pipe;
            this.list = list;
            this.elseList = elseList;
        }

        @Override
        public String toString() {
            String name = kind == IF ? "if" : kind == RANGE ? "range" : "with";
            String s = "{{" + name + " " + pipe + "}}" + list;
            if (elseList != null) {
                s += "{{else}}" + elseList;
            }
            return s + "{{end}}";
        }
    }

    /** {{break}} or {{continue}} inside a range. */
    static final class LoopControlNode extends Node {
        final boolean isBreak;

        LoopControlNode(int pos, boolean isBreak) {
            super(pos);
            this.isBreak = isBreak;
        }

        @Override
        public String toString() {
            return isBreak ? "{{break}}" : "{{continue}}";
        }
    }

    /** Parse-time only: marks where a list ends. */
    static final class EndNode extends Node {
        EndNode(int pos) {
            super(pos);
        }

        @Override
        public String toString() {
            return "{{end}}";
        }
    }

    /** Parse-time only: marks where the else branch of a list starts. */
    static final class ElseNode extends Node {
        ElseNode(int pos) {
            super(pos);
        }

        @Override
        public String toString() {
            return "{{else}}";
        }
    }
}
