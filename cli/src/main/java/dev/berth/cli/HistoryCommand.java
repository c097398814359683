package dev.berth.cli;

import dev.berth.cli.template.TemplateException;
import dev.berth.image.ImageCatalog;
import dev.berth.image.ImageHistory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.ParseException;

/**
 * {@code berth history [OPTIONS] IMAGE}: the config's history, newest first
 * ({@link ImageHistory}). {@code -H=false} prints times in RFC 3339 and sizes in bytes.
 */
final class HistoryCommand {
    static final Flags FLAGS = new Flags("berth history [OPTIONS] IMAGE").interspersed()
        .bool("H", "human", "Print sizes and dates in human readable format (default; -H=false for raw)")
        .bool("q", "quiet", "Only show image IDs")
        .bool(null, "no-trunc", "Don't truncate output")
        .value(null, "format", "FORMAT", "table (default), json, or a Go template");

    static final String TABLE = "table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}";
    static final Map<String, String> HEADERS = Map.of("ID", "IMAGE", "CreatedSince", "CREATED", "CreatedAt", "CREATED AT",
        "CreatedBy", "CREATED BY", "Size", "SIZE", "Comment", "COMMENT");

    private final Path root;

    HistoryCommand(Path root) {
        this.root = root;
    }

    int run(String[] args) throws ParseException {
        // -H takes an optional boolean as Go's flags do (-H=false); commons-cli cannot say that
        boolean human = true;
        List<String> kept = new ArrayList<>();
        for (String a : args) {
            String v = a.startsWith("-H=") ? a.substring(3) : a.startsWith("--human=") ? a.substring(8) : null;
            if (v == null) {
                kept.add(a);
            } else if (v.equals("false") || v.equals("0")) {
                human = false;
            } else if (!v.equals("true") && !v.equals("1")) {
                return ExitCodes.usage("invalid argument \"" + v + "\" for \"-H, --human\" flag: use true or false");
            }
        }
        CommandLine cl = FLAGS.parse(kept.toArray(new String[0]));
        if (cl == null) {
            return 0;
        }
        if (cl.getArgList().size() != 1) {
            return ImageCommand.args("\"berth history\" requires exactly 1 argument: an image");
        }
        boolean noTrunc = cl.hasOption("no-trunc");
        List<Map<String, Object>> rows = new ArrayList<>();
        try {
            ImageCatalog catalog = ImageCommand.catalog(root);
            ImageCatalog.Match m = catalog.find(cl.getArgList().get(0));
            if (m.image().image() == null) {
                return ImageCommand.fail(new IOException("image " + m.image().id() + " has no manifest for "
                    + dev.berth.image.Platform.current() + " in the store; pull or load it again"));
            }
            for (ImageHistory.Entry e : ImageHistory.of(catalog.store(), m.image().image())) {
                Map<String, Object> r = new LinkedHashMap<>();
                String id = e.id();
                if (!noTrunc && id.startsWith("sha256:")) {
                    id = id.substring(7, 19);
                }
                r.put("Comment", e.comment());
                r.put("CreatedAt", ImageCommand.rfc3339(e.createdNanos()));
                r.put("CreatedBy", noTrunc ? e.createdBy().replace('\t', ' ') : ListFormat.ellipsis(e.createdBy().replace('\t', ' '), 45));
                r.put("CreatedSince", human ? ImageCommand.since(e.createdNanos()) : ImageCommand.rfc3339(e.createdNanos()));
                r.put("ID", id);
                r.put("Size", human ? Output.humanSize(e.size()) : Long.toString(e.size()));
                rows.add(r);
            }
        } catch (IOException e) {
            return ImageCommand.fail(e);
        }
        String format = cl.getOptionValue("format");
        if (cl.hasOption("quiet") && (format == null || format.equals("table"))) {
            StringBuilder out = new StringBuilder();
            for (Map<String, Object> r : rows) {
                out.append(r.get("ID")).append('\n');
            }
            System.out.print(out);
            return 0;
        }
        try {
            System.out.print(ListFormat.render(format, TABLE, HEADERS, rows));
        } catch (TemplateException e) {
            return ImageCommand.fail(e);
        }
        return 0;
    }
}
