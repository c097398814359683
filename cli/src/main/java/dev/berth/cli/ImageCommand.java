package dev.berth.cli;

import dev.berth.engine.EngineException;
import dev.berth.image.Digest;
import dev.berth.image.ImageCatalog;
import dev.berth.image.ImageDeleter;
import dev.berth.image.ImageException;
import dev.berth.image.ImageFilter;
import dev.berth.image.ImageInspect;
import dev.berth.image.ImageRef;
import dev.berth.image.ImageStore;
import dev.berth.image.ImageUser;
import dev.berth.image.Platform;
import dev.berth.runtime.Timestamps;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.ParseException;

/**
 * {@code berth image COMMAND} and its top-level forms ({@code images}, {@code rmi},
 * {@code tag}, {@code history}, {@code load}, {@code save}, {@code import}). The logic lives in
 * the image module; this parses flags, prints docker's lines and maps errors to docker's exit
 * codes: 1 for a failed command (no such image, a conflict, a bad reference or argument), 125
 * for flags that do not parse.
 */
final class ImageCommand {
    static final String USAGE = """
        Usage:  berth image COMMAND

        Manage images

        Commands:
          history     Show the history of an image
          import      Import the contents from a tarball to create a filesystem image
          inspect     Display detailed information on one or more images
          load        Load an image from a tar archive or STDIN
          ls          List images
          prune       Remove unused images
          rm          Remove one or more images
          save        Save one or more images to a tar archive (streamed to STDOUT by default)
          tag         Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE

        Run 'berth image COMMAND --help' for more information on a command.
        """;

    static final Flags INSPECT = new Flags("berth image inspect [-f TEMPLATE] IMAGE...").interspersed()
        .value("f", "format", "TEMPLATE", "Format the output with a Go template");
    static final Flags TAG = new Flags("berth tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]").interspersed();
    static final Flags RMI = new Flags("berth rmi [OPTIONS] IMAGE...").interspersed()
        .bool("f", "force", "Force removal of the image (also its last tag while a stopped container uses it)")
        .bool(null, "no-prune", "Do not delete untagged parents (berth's images have none)");
    static final Flags PRUNE = new Flags("berth image prune [OPTIONS]").interspersed()
        .bool("a", "all", "Remove all unused images, not just dangling ones")
        .bool("f", "force", "Do not prompt for confirmation")
        .value(null, "filter", "KEY=VALUE", "Filter: until=TIME, label=KEY[=VALUE], label!=KEY[=VALUE]");

    private final Path root;

    ImageCommand(Path root) {
        this.root = root;
    }

    /** {@code berth image SUBCOMMAND ...}. */
    int group(String[] args) throws ParseException, IOException {
        if (Group.wantsUsage(args)) {
            return Group.usage(args, USAGE);
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        return switch (args[0]) {
            case "ls", "list" -> new ImagesCommand(root).run(rest);
            case "inspect" -> inspect(rest);
            case "rm", "remove" -> rmi(rest);
            case "prune" -> prune(rest);
            case "tag" -> tag(rest);
            case "history" -> new HistoryCommand(root).run(rest);
            case "load" -> new ImageArchiveCommands(root).load(rest);
            case "save" -> new ImageArchiveCommands(root).save(rest);
            case "import" -> new ImageArchiveCommands(root).importRootfs(rest);
            default -> Group.unknown("image", args[0]);
        };
    }

    // ---- shared by the image commands ----

    static ImageCatalog catalog(Path root) throws IOException {
        return new ImageCatalog(ImageStore.open(root), Platform.current());
    }

    /** Containers and the image id each was made from (the engine's {@code ImageAdmin.users}). */
    static List<ImageUser> users(Path root) throws IOException {
        return Engines.open(root).imageAdmin().users();
    }

    /** Prints the error as one line; docker's image commands exit 1 for every daemon-side failure. */
    static int fail(Exception e) {
        System.err.println("berth: " + e.getMessage());
        if (System.getenv("BERTH_DEBUG") != null) {
            e.printStackTrace();
        }
        return ExitCodes.FAILURE;
    }

    /** docker's argument-count errors: one line, exit 1 (they are not flag errors). */
    static int args(String message) {
        System.err.println("berth: " + message);
        return ExitCodes.FAILURE;
    }

    static String shortId(Digest id) {
        return id.hex().substring(0, Math.min(12, id.hex().length()));
    }

    /** "2 days ago", or "N/A" for an unknown time. */
    static String since(long nanos) {
        if (nanos < 0) {
            return "N/A";
        }
        return Output.human(java.time.Duration.ofNanos(Math.max(0, Timestamps.nowNanos() - nanos))) + " ago";
    }

    /** Go's time.String() of whole seconds in UTC: {@code 2024-05-01 10:20:30 +0000 UTC}. */
    static String goTime(long nanos) {
        if (nanos < 0) {
            return "N/A";
        }
        String iso = Timestamps.format(nanos / 1_000_000_000L * 1_000_000_000L);
        return iso.substring(0, 10) + " " + iso.substring(11, 19) + " +0000 UTC";
    }

    /** RFC 3339 in whole seconds, as docker's {@code -H=false}. */
    static String rfc3339(long nanos) {
        return nanos < 0 ? "N/A" : Timestamps.format(nanos / 1_000_000_000L * 1_000_000_000L);
    }

    // ---- inspect ----

    int inspect(String[] args) throws ParseException {
        CommandLine cl = INSPECT.parse(args);
        if (cl == null) {
            return 0;
        }
        if (cl.getArgList().isEmpty()) {
            return args("\"berth image inspect\" requires at least 1 argument: an image");
        }
        return InspectCommand.print(cl.getArgList(), cl.getOptionValue("format"), imageLookup(root));
    }

    /** Finds an image for {@code inspect}, as an engine-style lookup. */
    static InspectCommand.Lookup imageLookup(Path root) {
        return ref -> {
            try {
                return ImageInspect.of(catalog(root).find(ref));
            } catch (ImageException.NotFound e) {
                throw new EngineException.NotFound(e.getMessage());
            } catch (IOException e) {
                throw new EngineException.InvalidArgument(e.getMessage());
            }
        };
    }

    // ---- tag ----

    int tag(String[] args) throws ParseException {
        CommandLine cl = TAG.parse(args);
        if (cl == null) {
            return 0;
        }
        if (cl.getArgList().size() != 2) {
            return args("\"berth tag\" requires exactly 2 arguments: SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]");
        }
        try {
            ImageRef target = ImageRef.parse(cl.getArgList().get(1));
            if (target.digest() != null) {
                return args("refusing to create a tag with a digest reference: give TARGET as NAME[:TAG]");
            }
            ImageCatalog catalog = catalog(root);
            ImageCatalog.Match m = catalog.find(cl.getArgList().get(0));
            catalog.store().tag(target, m.root().digest());
            dev.berth.image.ImageEvents.log(catalog.store(), "tag", m.image().id().toString(), target.familiar());
            return 0;
        } catch (IOException e) {
            return fail(e);
        }
    }

    // ---- rmi ----

    int rmi(String[] args) throws ParseException {
        CommandLine cl = RMI.parse(args);
        if (cl == null) {
            return 0;
        }
        if (cl.getArgList().isEmpty()) {
            return args("\"berth rmi\" requires at least 1 argument: an image");
        }
        ImageDeleter deleter;
        try {
            deleter = new ImageDeleter(catalog(root), users(root));
        } catch (IOException e) {
            return fail(e);
        }
        int code = 0;
        for (String ref : cl.getArgList()) {
            try {
                ImageDeleter.Result r = deleter.delete(ref, cl.hasOption("force"));
                StringBuilder out = new StringBuilder();
                for (String u : r.untagged()) {
                    out.append("Untagged: ").append(u).append('\n');
                }
                for (Digest d : r.deleted()) {
                    out.append("Deleted: ").append(d).append('\n');
                }
                System.out.print(out);
            } catch (IOException e) {
                code = fail(e);
            }
        }
        return code;
    }

    // ---- prune ----

    int prune(String[] args) throws ParseException, IOException {
        CommandLine cl = PRUNE.parse(args);
        if (cl == null) {
            return 0;
        }
        if (!cl.getArgList().isEmpty()) {
            return args("\"berth image prune\" accepts no arguments");
        }
        List<String> filters = Filters.list(cl);
        if (filters == null) {
            return ExitCodes.USAGE;
        }
        boolean all = cl.hasOption("all");
        if (!cl.hasOption("force") && !Prompt.confirmed(all
            ? "WARNING! This will remove all images without at least one container associated to them.\n"
            : "WARNING! This will remove all dangling images.\n")) {
            return 0;
        }
        try {
            ImageCatalog catalog = catalog(root);
            ImageFilter filter = ImageFilter.parse(filters, ImageFilter.PRUNE_KEYS, catalog, Timestamps.nowNanos());
            ImageDeleter.Result r = new ImageDeleter(catalog, users(root)).prune(all, filter);
            StringBuilder out = new StringBuilder();
            if (!r.untagged().isEmpty() || !r.deleted().isEmpty()) {
                out.append("Deleted Images:\n");
                for (String u : r.untagged()) {
                    out.append("untagged: ").append(u).append('\n');
                }
                for (Digest d : r.deleted()) {
                    out.append("deleted: ").append(d).append('\n');
                }
                out.append('\n');
            }
            out.append("Total reclaimed space: ").append(Output.humanSize4(r.reclaimed())).append('\n');
            System.out.print(out);
            return 0;
        } catch (IOException e) {
            return fail(e);
        }
    }
}
