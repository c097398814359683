package dev.berth.cli;

import dev.berth.cli.template.GoTemplate;
import dev.berth.cli.template.TemplateException;
import dev.berth.engine.Engine;
import dev.berth.engine.EngineException;
import dev.berth.engine.Usage;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.ParseException;

/**
 * {@code berth stats [-a] [--no-stream] [--no-trunc] [--format F] [CONTAINER...]}: docker's live
 * usage table. CPU % needs two readings, so the first table comes one interval after start.
 */
final class StatsCommand {
    static final Flags FLAGS = new Flags("berth stats [OPTIONS] [CONTAINER...]")
        .bool("a", "all", "Show all containers (default shows just running)")
        .bool(null, "no-stream", "Print one table and exit, instead of refreshing every second")
        .bool(null, "no-trunc", "Do not truncate output")
        .value(null, "format", "FORMAT", "table (default), json, or a Go template (\"table TEMPLATE\" adds a header)");

    /** docker's default table. */
    private static final String TABLE =
        "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}";
    /** What "table" templates print as the header of each field. */
    private static final Map<String, Object> HEADER = new LinkedHashMap<>();

    static {
        HEADER.put("BlockIO", "BLOCK I/O");
        HEADER.put("CPUPerc", "CPU %");
        HEADER.put("Container", "CONTAINER");
        HEADER.put("ID", "CONTAINER ID");
        HEADER.put("MemPerc", "MEM %");
        HEADER.put("MemUsage", "MEM USAGE / LIMIT");
        HEADER.put("Name", "NAME");
        HEADER.put("NetIO", "NET I/O");
        HEADER.put("PIDs", "PIDS");
    }

    /**
     * Between two readings: /proc/stat counts in 10 ms ticks, so a second is what it takes for
     * CPU % to be within about one percent, as docker's are. --no-stream waits as long.
     */
    private static final long INTERVAL_MILLIS = 1000;

    private final Path root;

    StatsCommand(Path root) {
        this.root = root;
    }

    int run(String[] args) throws ParseException, IOException {
        CommandLine cl = FLAGS.parse(args);
        if (cl == null) {
            return 0;
        }
        String format = cl.getOptionValue("format", "table");
        boolean json = format.equals("json");
        boolean table = format.equals("table") || format.startsWith("table ");
        GoTemplate template = null;
        if (!json) {
            try {
                String text = format.equals("table") ? TABLE : format;
                // as docker: the word table off, spaces trimmed, \t and \n typed in the shell as tab and newline
                text = (table ? text.substring("table".length()) : text).strip();
                template = GoTemplate.parse(text.replace("\\t", "\t").replace("\\n", "\n"));
            } catch (TemplateException e) {
                return ExitCodes.usage(e.getMessage());
            }
        }
        Engine engine = Engines.open(root);
        List<String> refs = cl.getArgList();
        // docker looks every named container up first, and prints only the errors if one is missing
        int code = 0;
        for (String ref : refs) {
            try {
                engine.resolve(ref);
            } catch (EngineException e) {
                code = ExitCodes.report(e, ExitCodes.FAILURE);
            }
        }
        if (code != 0) {
            return code;
        }
        boolean stream = !cl.hasOption("no-stream");
        boolean terminal = stream && Terminal.isTerminal();
        boolean noTrunc = cl.hasOption("no-trunc");
        PrintStream out = System.out;
        Map<String, Usage> before;
        long last = System.nanoTime();
        try {
            before = byId(sample(engine, refs, cl.hasOption("a")));
        } catch (EngineException e) {
            return ExitCodes.report(e, ExitCodes.FAILURE);
        }
        for (boolean first = true; ; first = false) {
            // the time spent reading and printing counts towards the interval
            sleep(INTERVAL_MILLIS - (System.nanoTime() - last) / 1_000_000);
            List<Usage> now;
            try {
                now = sample(engine, refs, cl.hasOption("a"));
            } catch (EngineException e) {
                return ExitCodes.report(e, ExitCodes.FAILURE);
            }
            last = System.nanoTime();
            List<Map<String, Object>> rows = new ArrayList<>();
            for (Usage u : now) {
                rows.add(row(u, before.get(u.id()), refs.isEmpty() ? null : label(refs, u), noTrunc));
            }
            String text;
            try {
                text = render(rows, json, table, template);
            } catch (TemplateException e) {
                System.err.println("berth: " + e.getMessage());
                return ExitCodes.FAILURE;
            }
            if (terminal) {
                // docker's redraw: home, each line cleared to its end, the rest of the screen cleared
                out.print((first ? "\033[2J" : "") + "\033[H" + text.replace("\n", "\033[K\n") + "\033[J");
            } else {
                out.print(text);
            }
            out.flush();
            if (!stream) {
                return 0;
            }
            before = byId(now);
        }
    }

    /** The named containers (those removed meanwhile left out), or every (running) container. */
    private static List<Usage> sample(Engine engine, List<String> refs, boolean all) throws EngineException {
        List<String> targets = new ArrayList<>(refs);
        if (refs.isEmpty()) {
            for (Map<String, Object> c : engine.list(all)) {
                targets.add((String) c.get("Id"));
            }
        }
        List<Usage> out = new ArrayList<>();
        for (String t : targets) {
            try {
                out.add(engine.usage(t));
            } catch (EngineException.NotFound e) {
                // removed since: docker drops it from the table too
            }
        }
        return out;
    }

    private static Map<String, Usage> byId(List<Usage> usages) {
        Map<String, Usage> out = new HashMap<>();
        for (Usage u : usages) {
            out.put(u.id(), u);
        }
        return out;
    }

    /** The name the user gave for this container, for {@code .Container}. */
    private static String label(List<String> refs, Usage u) {
        for (String r : refs) {
            if (u.id().startsWith(r) || u.name().equals(r.startsWith("/") ? r.substring(1) : r)) {
                return r;
            }
        }
        return u.id();
    }

    /** docker's stats fields, in the (sorted) order of its --format json. */
    static Map<String, Object> row(Usage now, Usage before, String label, boolean noTrunc) {
        String id = noTrunc ? now.id() : now.id().substring(0, Math.min(12, now.id().length()));
        double cpu = before == null ? 0 : Usage.cpuPercent(before, now);
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("BlockIO", Output.humanSize(now.blockRead()) + " / " + Output.humanSize(now.blockWrite()));
        r.put("CPUPerc", GoTemplate.sprintf("%.2f%%", cpu));
        r.put("Container", label != null ? label : id);
        r.put("ID", id);
        r.put("MemPerc", GoTemplate.sprintf("%.2f%%", now.memoryPercent()));
        r.put("MemUsage", Output.bytesSize(now.memoryUsage()) + " / " + Output.bytesSize(now.memoryLimit()));
        r.put("Name", now.name());
        r.put("NetIO", Output.humanSize(now.netRx()) + " / " + Output.humanSize(now.netTx()));
        r.put("PIDs", Long.toString(now.pids()));
        return r;
    }

    /** One table: JSON lines, a template per row, or (table) a header and aligned columns. */
    static String render(List<Map<String, Object>> rows, boolean json, boolean table, GoTemplate template) {
        StringBuilder sb = new StringBuilder();
        if (json) {
            for (Map<String, Object> r : rows) {
                sb.append(Output.compactJson(r)).append('\n');
            }
            return sb.toString();
        }
        List<String> lines = new ArrayList<>();
        if (table) {
            lines.add(template.execute(HEADER));
        }
        for (Map<String, Object> r : rows) {
            lines.add(template.execute(r));
        }
        if (table) {
            return Output.tabs(lines);
        }
        for (String l : lines) {
            sb.append(l).append('\n');
        }
        return sb.toString();
    }

    private static void sleep(long millis) {
        if (millis <= 0) {
            return;
        }
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
