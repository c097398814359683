package dev.berth.cli;

import dev.berth.cli.template.TemplateException;
import dev.berth.image.ImageCatalog;
import dev.berth.image.ImageFilter;
import dev.berth.image.ImageRef;
import dev.berth.image.ImageSummary;
import dev.berth.runtime.Timestamps;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.ParseException;

/**
 * {@code berth images [OPTIONS] [REPOSITORY[:TAG]]} ({@code image ls}): one row per tag, one
 * {@code <none>} row per untagged image, newest first. SIZE is what the image's blobs occupy in
 * the store. berth has no intermediate images, so {@code -a} shows what the default shows.
 */
final class ImagesCommand {
    static final Flags FLAGS = new Flags("berth images [OPTIONS] [REPOSITORY[:TAG]]").interspersed()
        .bool("a", "all", "Show all images (berth has no intermediate images to hide)")
        .bool("q", "quiet", "Only show image IDs")
        .bool(null, "digests", "Show digests")
        .bool(null, "no-trunc", "Don't truncate output")
        .value("f", "filter", "KEY=VALUE", "Filter: dangling=true|false, reference=PATTERN, label=KEY[=VALUE], "
            + "before=IMAGE, since=IMAGE, until=TIME")
        .value(null, "format", "FORMAT", "table (default), json, or a Go template");

    static final String TABLE = "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}";
    static final String TABLE_DIGESTS = "table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}";
    static final Map<String, String> HEADERS = Map.of("Repository", "REPOSITORY", "Tag", "TAG", "ID", "IMAGE ID",
        "Digest", "DIGEST", "CreatedSince", "CREATED", "CreatedAt", "CREATED AT", "Size", "SIZE",
        "SharedSize", "SHARED SIZE", "UniqueSize", "UNIQUE SIZE", "Containers", "CONTAINERS");

    private final Path root;

    ImagesCommand(Path root) {
        this.root = root;
    }

    int run(String[] args) throws ParseException {
        CommandLine cl = FLAGS.parse(args);
        if (cl == null) {
            return 0;
        }
        if (cl.getArgList().size() > 1) {
            return ImageCommand.args("\"berth images\" requires at most 1 argument: [REPOSITORY[:TAG]]");
        }
        List<String> filters = Filters.list(cl);
        if (filters == null) {
            return ExitCodes.USAGE;
        }
        if (!cl.getArgList().isEmpty()) {
            filters.add("reference=" + cl.getArgList().get(0));
        }
        String format = cl.getOptionValue("format");
        boolean noTrunc = cl.hasOption("no-trunc");
        boolean digests = cl.hasOption("digests") || (format != null && format.contains(".Digest"));
        List<Map<String, Object>> rows = new ArrayList<>();
        try {
            ImageCatalog catalog = ImageCommand.catalog(root);
            ImageFilter filter = ImageFilter.parse(filters, ImageFilter.LIST_KEYS, catalog, Timestamps.nowNanos());
            for (ImageSummary s : catalog.list()) {
                if (!filter.matches(s)) {
                    continue;
                }
                if (s.dangling()) {
                    rows.add(row(s, "<none>", "<none>", "<none>", noTrunc));
                    continue;
                }
                Map<String, ImageRef> sorted = new TreeMap<>();
                for (ImageRef t : filter.tags(s)) {
                    sorted.put(t.familiar(), t);
                }
                for (ImageRef t : sorted.values()) {
                    String repo = new ImageRef(t.domain(), t.path(), null, null).familiar();
                    String digest = digests ? s.rootOf(t).digest().toString() : "<none>";
                    rows.add(row(s, repo, t.tag(), digest, noTrunc));
                }
            }
        } catch (IOException e) {
            return ImageCommand.fail(e);
        }
        if (cl.hasOption("quiet") && (format == null || format.equals("table"))) {
            StringBuilder out = new StringBuilder();
            for (Map<String, Object> r : rows) {
                out.append(r.get("ID")).append('\n');
            }
            System.out.print(out);
            return 0;
        }
        try {
            System.out.print(ListFormat.render(format, digests ? TABLE_DIGESTS : TABLE, HEADERS, rows));
        } catch (TemplateException e) {
            return ImageCommand.fail(e);
        }
        return 0;
    }

    /** The fields docker's image templates know, in the order its {@code json} format prints them. */
    static Map<String, Object> row(ImageSummary s, String repo, String tag, String digest, boolean noTrunc) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("Containers", "N/A");
        r.put("CreatedAt", ImageCommand.goTime(s.createdNanos()));
        r.put("CreatedSince", ImageCommand.since(s.createdNanos()));
        r.put("Digest", digest);
        r.put("ID", noTrunc ? s.id().toString() : ImageCommand.shortId(s.id()));
        r.put("Repository", repo);
        r.put("SharedSize", "N/A");
        r.put("Size", Output.humanSize(s.size()));
        r.put("Tag", tag);
        r.put("UniqueSize", "N/A");
        r.put("VirtualSize", Output.humanSize4(s.size()));
        return r;
    }
}
