package dev.berth.cli;

import dev.berth.cli.template.GoTemplate;
import dev.berth.cli.template.TemplateException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * docker's {@code --format} for lists: {@code table} (the command's default columns),
 * {@code table TEMPLATE} (a header made from the same template, columns laid out as docker's
 * tabwriter does), {@code json} (one object per line) or a bare Go template (one line per row,
 * tabs kept).
 */
final class ListFormat {
    private ListFormat() {}

    /**
     * Renders {@code rows}. {@code defaultTable} is the command's {@code table ...} template,
     * {@code headers} the column title of each field docker knows.
     *
     * @throws TemplateException for a template that does not parse or run
     */
    static String render(String format, String defaultTable, Map<String, String> headers, List<Map<String, Object>> rows) {
        if (format == null || format.isEmpty() || format.equals("table")) {
            format = defaultTable;
        }
        StringBuilder out = new StringBuilder();
        if (format.equals("json")) {
            for (Map<String, Object> r : rows) {
                out.append(Output.compactJson(r)).append('\n');
            }
            return out.toString();
        }
        boolean table = format.startsWith("table");
        // as docker's preFormat: a typed \t or \n (shells pass them literally) is a tab or newline
        String text = (table ? format.substring(5) : format).strip().replace("\\t", "\t").replace("\\n", "\n");
        GoTemplate t = GoTemplate.parse(text);
        if (!table) {
            for (Map<String, Object> r : rows) {
                out.append(t.execute(r)).append('\n');
            }
            return out.toString();
        }
        Map<String, Object> header = new LinkedHashMap<>();
        if (!rows.isEmpty()) {
            for (String k : rows.get(0).keySet()) {
                header.put(k, k.toUpperCase(java.util.Locale.ROOT));
            }
        }
        header.putAll(headers);
        List<String> lines = new ArrayList<>();
        lines.add(t.execute(header));
        for (Map<String, Object> r : rows) {
            lines.add(t.execute(r));
        }
        return Output.tabs(lines);
    }

    /** docker's Ellipsis: at most {@code max} characters, the last one "…" when cut. */
    static String ellipsis(String s, int max) {
        if (s.codePointCount(0, s.length()) <= max) {
            return s;
        }
        return s.substring(0, s.offsetByCodePoints(0, max - 1)) + "…";
    }
}
