package dev.berth.cli.template;

import dev.berth.cli.template.Node.ListNode;

/**
 * A parsed Go text/template, as used by {@code berth inspect -f} and {@code berth ps --format}.
 *
 * <p>Supports the subset docker users write: fields ({@code .State.Pid}), variables, pipelines,
 * parenthesized calls, if/else if/else, range (with else, break and continue), with, comments,
 * trim markers, and the functions and, or, not, eq, ne, lt, le, gt, ge, index, len, print,
 * println, printf, json, upper, lower, title, split, join and truncate. Template definitions
 * (define, block, template) are not supported.
 *
 * <p>Data is what a JSON parser produces: Map, List, String, Number, Boolean and null. As in
 * Go, a missing map key is not an error and prints as {@code <no value>}.
 *
 * <p>Instances are immutable and may be executed any number of times.
 */
public final class GoTemplate {
    private final String text;
    private final ListNode root;

    private GoTemplate(String text, ListNode root) {
        this.text = text;
        this.root = root;
    }

    /**
     * Parses a template.
     *
     * @throws TemplateException with a one-line, Go-style message naming the line, such as
     *     {@code template: :1: function "foo" not defined}
     */
    public static GoTemplate parse(String text) {
        if (text == null) {
            throw new NullPointerException("template text");
        }
        return new GoTemplate(text, Parser.parse(text));
    }

    /**
     * Applies the template to data and returns the output.
     *
     * @throws TemplateException with a one-line, Go-style message naming the line, column and
     *     expression, such as {@code template: :1:7: executing "" at <.Name.X>: can't evaluate
     *     field X in type string}
     */
    public String execute(Object data) {
        return new Exec(text).run(root, data);
    }

    /** Go's fmt.Sprintf, as the printf function has it: for output that must read as Go's does. */
    public static String sprintf(String format, Object... args) {
        return Printf.sprintf(format, args);
    }
}
