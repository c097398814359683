package dev.berth.cli;

import dev.berth.engine.EngineException;
import dev.berth.image.ImageException;
import dev.berth.image.ImageRef;
import dev.berth.image.ImageStore;
import dev.berth.image.Platform;
import dev.berth.image.registry.DockerConfig;
import dev.berth.image.registry.Progress;
import dev.berth.image.registry.Puller;
import dev.berth.image.registry.Registries;
import dev.berth.image.registry.RegistryException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.ParseException;

/** {@code berth pull [-a] [-q] [--platform OS/ARCH[/VARIANT]] NAME[:TAG|@DIGEST]} */
final class PullCommand {
    static final Flags FLAGS = new Flags("berth pull [OPTIONS] NAME[:TAG|@DIGEST]")
        .bool("a", "all-tags", "Download all tagged images in the repository")
        .bool("q", "quiet", "Suppress verbose output")
        .value(null, "platform", "OS/ARCH[/VARIANT]", "Set platform if server is multi-platform capable (default linux/"
            + Platform.current().architecture() + ")")
        .value(null, "insecure-registry", "HOST[:PORT]", "Allow plain http to this registry (also $BERTH_INSECURE_REGISTRIES)");

    private final Path root;

    PullCommand(Path root) {
        this.root = root;
    }

    int run(String[] args) throws ParseException, IOException {
        CommandLine cl = FLAGS.parse(args);
        if (cl == null) {
            return 0;
        }
        List<String> a = cl.getArgList();
        if (a.size() != 1) {
            return ExitCodes.usage("\"berth pull\" requires exactly 1 argument: an image, e.g. busybox or localhost:5000/app:1");
        }
        boolean quiet = cl.hasOption("q");
        boolean all = cl.hasOption("a");
        try {
            ImageRef ref = all ? ImageRef.parseNormalized(a.get(0)) : ImageRef.parse(a.get(0));
            if (all && (ref.tag() != null || ref.digest() != null)) {
                return ExitCodes.usage("tag can't be used with --all-tags/-a");
            }
            boolean platformGiven = cl.hasOption("platform");
            Platform platform = platformGiven ? Platform.parse(cl.getOptionValue("platform")) : Platform.current();
            ImageStore store = Engines.open(root).images();
            Registries registries = registries(cl);
            boolean tty = !quiet && Terminal.isTerminal();
            if (!quiet) {
                if (!all && ref.digest() == null && a.get(0).indexOf(':', a.get(0).lastIndexOf('/') + 1) < 0) {
                    System.out.println("Using default tag: latest");
                }
                System.out.println((all ? "Pulling all tags of " + ref.familiar()
                    : (ref.tag() != null ? ref.tag() : ref.digest().toString()) + ": Pulling from " + familiarPath(ref)));
            }
            PullProgress bars = tty ? new PullProgress(System.out) : null;
            Progress progress = bars != null ? bars : Progress.NONE;
            List<Puller.Result> results;
            // closed before the JVM halts: a live HTTP client's thread would hold the halt 300 ms
            try (Puller puller = new Puller(store, registries, DockerConfig.fromEnv())) {
                results = all ? puller.pullAllTags(ref, platform, platformGiven, progress)
                    : List.of(puller.pull(ref, platform, platformGiven, progress));
            }
            if (bars != null) {
                bars.finish();
            }
            for (Puller.Result r : results) {
                if (quiet) {
                    System.out.println(r.ref().toString());
                    continue;
                }
                System.out.println("Digest: " + r.digest());
                System.out.println("Status: " + (r.updated() ? "Downloaded newer image for " : "Image is up to date for ")
                    + r.ref().familiar());
            }
            if (!quiet && !all) {
                System.out.println(results.get(0).ref().toString());
            }
            return 0;
        } catch (ImageException.InvalidReference e) {
            return ExitCodes.usage(e.getMessage());
        } catch (RegistryException | ImageException e) {
            System.err.println("berth: " + e.getMessage());
            return ExitCodes.FAILURE;
        } catch (EngineException e) {
            return ExitCodes.report(e, ExitCodes.ENGINE);
        }
    }

    /**
     * docker run's pull of a missing image: its lines on stderr, so the container's output stays
     * alone on stdout, with bars when stderr is a terminal.
     */
    static void forRun(dev.berth.engine.Engine engine, String reference, boolean missing) throws EngineException {
        try {
            ImageRef ref = ImageRef.parse(reference);
            if (missing) {
                System.err.println("Unable to find image '" + ref.familiar() + (ref.tag() == null && ref.digest() == null
                    ? ":latest" : "") + "' locally");
            }
            System.err.println((ref.tag() != null ? ref.tag() : ref.digest() != null ? ref.digest().toString() : "latest")
                + ": Pulling from " + familiarPath(ref));
            PullProgress bars = Terminal.isTerminal() ? new PullProgress(System.err) : null;
            Puller.Result r;
            try (Puller puller = new Puller(engine.images(), Registries.fromEnv(), DockerConfig.fromEnv())) {
                r = puller.pull(ref, Platform.current(), false, bars != null ? bars : Progress.NONE);
            }
            if (bars != null) {
                bars.finish();
            }
            System.err.println("Digest: " + r.digest());
            System.err.println("Status: " + (r.updated() ? "Downloaded newer image for " : "Image is up to date for ")
                + r.ref().familiar());
        } catch (ImageException.InvalidReference e) {
            throw new EngineException.InvalidArgument(e.getMessage());
        } catch (RegistryException | ImageException e) {
            throw new EngineException.NotFound(e.getMessage());
        } catch (IOException e) {
            throw new EngineException.SystemFailure("cannot pull " + reference + ": " + e.getMessage(), e);
        }
    }

    /** The repository as docker names it in "Pulling from": library/busybox, or the path on another registry. */
    static String familiarPath(ImageRef ref) {
        return ref.path();
    }

    static Registries registries(CommandLine cl) {
        Registries r = Registries.fromEnv();
        String[] insecure = cl.getOptionValues("insecure-registry");
        if (insecure != null) {
            r.insecure(List.of(insecure));
        }
        return r;
    }
}
