package dev.berth.cli;

import dev.berth.engine.EngineException;
import dev.berth.image.ImageException;
import dev.berth.image.ImageRef;
import dev.berth.image.ImageStore;
import dev.berth.image.registry.DockerConfig;
import dev.berth.image.registry.Progress;
import dev.berth.image.registry.Pusher;
import dev.berth.image.registry.RegistryException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.ParseException;

/** {@code berth push [-a] [-q] NAME[:TAG]}: the image of a local tag to the registry its name names. */
final class PushCommand {
    static final Flags FLAGS = new Flags("berth push [OPTIONS] NAME[:TAG]")
        .bool("a", "all-tags", "Push all tags of the repository")
        .bool("q", "quiet", "Suppress verbose output")
        .value(null, "insecure-registry", "HOST[:PORT]", "Allow plain http to this registry (also $BERTH_INSECURE_REGISTRIES)");

    private final Path root;

    PushCommand(Path root) {
        this.root = root;
    }

    int run(String[] args) throws ParseException, IOException {
        CommandLine cl = FLAGS.parse(args);
        if (cl == null) {
            return 0;
        }
        List<String> a = cl.getArgList();
        if (a.size() != 1) {
            return ExitCodes.usage("\"berth push\" requires exactly 1 argument: a local image name, e.g. localhost:5000/app:1");
        }
        boolean quiet = cl.hasOption("q");
        try {
            ImageStore store = Engines.open(root).images();
            // closed before the JVM halts: a live HTTP client's thread would hold the halt 300 ms
            try (Pusher pusher = new Pusher(store, PullCommand.registries(cl), DockerConfig.fromEnv())) {
                return push(cl, a.get(0), quiet, pusher);
            }
        } catch (ImageException.InvalidReference e) {
            return ExitCodes.usage(e.getMessage());
        } catch (RegistryException | ImageException e) {
            System.err.println("berth: " + e.getMessage());
            return ExitCodes.FAILURE;
        } catch (EngineException e) {
            return ExitCodes.report(e, ExitCodes.ENGINE);
        }
    }

    private static int push(CommandLine cl, String name, boolean quiet, Pusher pusher) throws IOException {
        List<ImageRef> refs = new ArrayList<>();
        if (cl.hasOption("a")) {
            ImageRef repo = ImageRef.parseNormalized(name);
            if (repo.tag() != null || repo.digest() != null) {
                return ExitCodes.usage("tag can't be used with --all-tags/-a");
            }
            refs.addAll(pusher.tags(repo));
            if (refs.isEmpty()) {
                System.err.println("berth: no tag of " + repo.familiar() + " in the store; tag an image first");
                return ExitCodes.FAILURE;
            }
        } else {
            refs.add(ImageRef.parse(name));
        }
        if (!quiet) {
            System.out.println("The push refers to repository [" + refs.get(0).name() + "]");
        }
        for (ImageRef ref : refs) {
            PullProgress bars = !quiet && Terminal.isTerminal() ? new PullProgress(System.out) : null;
            Pusher.Result r = pusher.push(ref, ref, bars != null ? bars : Progress.NONE);
            if (bars != null) {
                bars.finish();
            }
            if (quiet) {
                System.out.println(r.ref().toString());
            } else {
                String label = r.ref().tag() != null ? r.ref().tag() : r.digest().toString();
                System.out.println(label + ": digest: " + r.digest() + " size: " + r.size());
            }
        }
        return 0;
    }
}
