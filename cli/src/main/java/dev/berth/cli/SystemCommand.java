package dev.berth.cli;

import dev.berth.cli.template.TemplateException;
import dev.berth.engine.EngineException;
import dev.berth.engine.ImageAdmin;
import dev.berth.image.ImageRef;
import dev.berth.image.ImageSummary;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.ParseException;

/**
 * {@code berth system check [-r]} (see {@link CheckCommand}) and {@code berth system df [-v] [--format]}: docker's disk usage table. Images are what their
 * blobs occupy in {@code ROOT/images} (a blob shared by images counted once); their
 * reclaimable part is what no container's image reaches. Containers are their directories under
 * {@code ROOT/containers} (state, logs, /etc files; a {@code --rootfs} directory belongs to the
 * user); reclaimable are those not running. Volumes are their files; reclaimable are those no
 * container uses. berth has no build cache yet: that row is zero.
 */
final class SystemCommand {
    static final String USAGE = """
        Usage:  berth system COMMAND

        Manage berth

        Commands:
          check       Find (and with --repair remove) what crashes left behind
          df          Show berth disk usage

        Run 'berth system COMMAND --help' for more information on a command.
        """;
    static final Flags DF = new Flags("berth system df [OPTIONS]").interspersed()
        .bool("v", "verbose", "Show detailed information on space usage")
        .value(null, "format", "FORMAT", "table (default), json, or a Go template");

    static final String TABLE = "table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}";
    static final Map<String, String> HEADERS = Map.of("Type", "TYPE", "TotalCount", "TOTAL", "Active", "ACTIVE",
        "Size", "SIZE", "Reclaimable", "RECLAIMABLE");

    private final Path root;

    SystemCommand(Path root) {
        this.root = root;
    }

    int run(String[] args) throws ParseException {
        if (Group.wantsUsage(args)) {
            return Group.usage(args, USAGE);
        }
        if (args[0].equals("check")) {
            try {
                return new CheckCommand(root).run(java.util.Arrays.copyOfRange(args, 1, args.length));
            } catch (IOException e) {
                return ImageCommand.fail(e);
            }
        }
        if (!args[0].equals("df")) {
            return Group.unknown("system", args[0]);
        }
        CommandLine cl = DF.parse(java.util.Arrays.copyOfRange(args, 1, args.length));
        if (cl == null) {
            return 0;
        }
        if (!cl.getArgList().isEmpty()) {
            return ImageCommand.args("\"berth system df\" accepts no arguments");
        }
        try {
            return df(cl.hasOption("verbose"), cl.getOptionValue("format"));
        } catch (IOException e) {
            return ImageCommand.fail(e);
        } catch (EngineException e) {
            return ExitCodes.report(e, ExitCodes.FAILURE);
        } catch (TemplateException e) {
            return ImageCommand.fail(e);
        }
    }

    private int df(boolean verbose, String format) throws IOException, EngineException {
        ImageAdmin.DiskUsage du = Engines.open(root).imageAdmin().diskUsage();
        long containersSize = 0;
        long containersReclaimable = 0;
        int running = 0;
        for (ImageAdmin.ContainerUse c : du.containers()) {
            containersSize += c.size();
            if (c.running()) {
                running++;
            } else {
                containersReclaimable += c.size();
            }
        }
        List<Map<String, Object>> rows = new ArrayList<>();
        rows.add(row("Images", du.images().size(), du.activeImages(), du.layersSize(), du.reclaimable()));
        rows.add(row("Containers", du.containers().size(), running, containersSize, containersReclaimable));
        dev.berth.engine.Volumes volumes = Engines.open(root).volumes();
        List<dev.berth.engine.Volumes.Usage> volumeUse = volumes.usage();
        Map<String, List<String>> volumeUsers = volumes.users();
        long volumesSize = 0;
        long volumesReclaimable = 0;
        int volumesActive = 0;
        for (dev.berth.engine.Volumes.Usage u : volumeUse) {
            volumesSize += u.size();
            if (u.refCount() > 0) {
                volumesActive++;
            } else {
                volumesReclaimable += u.size();
            }
        }
        rows.add(row("Local Volumes", volumeUse.size(), volumesActive, volumesSize, volumesReclaimable));
        rows.add(row("Build Cache", 0, 0, 0, 0));
        if (!verbose) {
            System.out.print(ListFormat.render(format, TABLE, HEADERS, rows));
            return 0;
        }
        StringBuilder out = new StringBuilder("Images space usage:\n\n");
        List<Map<String, Object>> imageRows = new ArrayList<>();
        for (ImageAdmin.ImageUse u : du.images()) {
            ImageSummary s = u.image();
            long shared = u.shared();
            List<ImageRef> tags = s.tags();
            String repo = "<none>";
            String tag = "<none>";
            if (!tags.isEmpty()) {
                repo = new ImageRef(tags.get(0).domain(), tags.get(0).path(), null, null).familiar();
                tag = tags.get(0).tag();
            }
            Map<String, Object> r = ImagesCommand.row(s, repo, tag, "<none>", false);
            r.put("SharedSize", Output.humanSize4(shared));
            r.put("UniqueSize", Output.humanSize4(s.size() - shared));
            r.put("Containers", String.valueOf(u.containers()));
            imageRows.add(r);
        }
        out.append(ListFormat.render(null,
            "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}\t{{.SharedSize}}\t{{.UniqueSize}}\t{{.Containers}}",
            ImagesCommand.HEADERS, imageRows));
        out.append("\nContainers space usage:\n\n");
        List<Map<String, Object>> containerRows = new ArrayList<>();
        for (ImageAdmin.ContainerUse c : du.containers()) {
            Map<String, Object> r = new LinkedHashMap<>(PsCommand.row(c.state(), false));
            int used = 0;
            for (List<String> ids : volumeUsers.values()) {
                used += ids.contains(String.valueOf(c.state().get("Id"))) ? 1 : 0;
            }
            r.put("LocalVolumes", String.valueOf(used));
            r.put("Size", Output.humanSize4(c.size()));
            containerRows.add(r);
        }
        Map<String, String> containerHeaders = Map.of("ID", "CONTAINER ID", "Image", "IMAGE", "Command", "COMMAND",
            "LocalVolumes", "LOCAL VOLUMES", "Size", "SIZE", "RunningFor", "CREATED", "Status", "STATUS", "Names", "NAMES");
        out.append(ListFormat.render(null,
            "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.LocalVolumes}}\t{{.Size}}\t{{.RunningFor}}\t{{.Status}}\t{{.Names}}",
            containerHeaders, containerRows));
        out.append("\nLocal Volumes space usage:\n\n");
        List<String> volumeLines = new ArrayList<>(List.of("VOLUME NAME\tLINKS\tSIZE"));
        for (dev.berth.engine.Volumes.Usage u : volumeUse) {
            volumeLines.add(u.volume().get("Name") + "\t" + u.refCount() + "\t" + Output.humanSize4(u.size()));
        }
        out.append(Output.tabs(volumeLines));
        out.append("\nBuild cache usage: 0B\n\n");
        out.append(Output.tabs(List.of("CACHE ID\tCACHE TYPE\tSIZE\tCREATED\tLAST USED\tUSAGE\tSHARED")));
        System.out.print(out);
        return 0;
    }

    private static Map<String, Object> row(String type, int total, int active, long size, long reclaimable) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("Active", String.valueOf(active));
        String rec = Output.humanSize4(reclaimable);
        if (size > 0) {
            rec += " (" + (reclaimable * 100 / size) + "%)";
        }
        r.put("Reclaimable", rec);
        r.put("Size", Output.humanSize4(size));
        r.put("TotalCount", String.valueOf(total));
        r.put("Type", type);
        return r;
    }
}
