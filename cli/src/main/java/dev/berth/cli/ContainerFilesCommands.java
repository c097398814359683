package dev.berth.cli;

import dev.berth.engine.CommitRequest;
import dev.berth.engine.Engine;
import dev.berth.engine.EngineException;
import dev.berth.image.Change;
import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.ParseException;

/** {@code berth export}, {@code diff} and {@code commit}: a container's files out, as a tar, a list or an image. */
final class ContainerFilesCommands {
    static final Flags EXPORT = new Flags("berth export [OPTIONS] CONTAINER").interspersed()
        .value("o", "output", "FILE", "Write to a file, instead of STDOUT");
    static final Flags DIFF = new Flags("berth diff CONTAINER").interspersed();
    static final Flags COMMIT = new Flags("berth commit [OPTIONS] CONTAINER [REPOSITORY[:TAG]]").interspersed()
        .value("a", "author", "AUTHOR", "Author (e.g. \"John Hannibal Smith <hannibal@a-team.com>\")")
        .value("c", "change", "INSTRUCTION", "Apply a Dockerfile instruction to the image (CMD, ENTRYPOINT, ENV, EXPOSE, "
            + "LABEL, USER, VOLUME, WORKDIR, STOPSIGNAL; repeatable)")
        .value("m", "message", "MESSAGE", "Commit message")
        .bool("p", "pause", "Pause the container during commit (default; -p=false not to)");

    private final Path root;

    ContainerFilesCommands(Path root) {
        this.root = root;
    }

    int export(String[] args) throws ParseException, IOException {
        CommandLine cl = EXPORT.parse(args);
        if (cl == null) {
            return 0;
        }
        if (cl.getArgList().size() != 1) {
            return ImageCommand.args("\"berth export\" requires exactly 1 argument: a container");
        }
        String output = cl.getOptionValue("output");
        if (output == null && ImageArchiveCommands.isTerminal(1)) {
            return ImageCommand.args("cowardly refusing to save to a terminal. Use the -o flag or redirect");
        }
        Engine engine = Engines.open(root);
        String ref = cl.getArgList().get(0);
        try {
            if (output == null) {
                OutputStream out = new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16);
                engine.export(ref, out);
                out.flush();
                return 0;
            }
            // written beside and renamed over, as save does: never half an archive under the name
            Path target = Path.of(output).toAbsolutePath();
            Path tmp = target.resolveSibling("." + target.getFileName() + ".berth-" + ProcessHandle.current().pid());
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
                engine.export(ref, out);
            } catch (EngineException | IOException | RuntimeException e) {
                Files.deleteIfExists(tmp);
                throw e;
            }
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return 0;
        } catch (NoSuchFileException e) {
            return ImageCommand.args("cannot write " + output + ": its directory does not exist");
        } catch (EngineException e) {
            return ExitCodes.report(e, ExitCodes.FAILURE);
        }
    }

    int diff(String[] args) throws ParseException, IOException {
        CommandLine cl = DIFF.parse(args);
        if (cl == null) {
            return 0;
        }
        if (cl.getArgList().size() != 1) {
            return ImageCommand.args("\"berth diff\" requires exactly 1 argument: a container");
        }
        try {
            StringBuilder sb = new StringBuilder();
            for (Change c : Engines.open(root).changes(cl.getArgList().get(0))) {
                sb.append(c.line()).append('\n');
            }
            System.out.print(sb);
            return 0;
        } catch (EngineException e) {
            return ExitCodes.report(e, ExitCodes.FAILURE);
        }
    }

    int commit(String[] args) throws ParseException, IOException {
        // -p takes an optional boolean as Go's flags do (-p=false); commons-cli cannot say that
        boolean pause = true;
        List<String> kept = new ArrayList<>();
        for (String a : args) {
            String v = a.startsWith("-p=") ? a.substring(3) : a.startsWith("--pause=") ? a.substring(8) : null;
            if (v == null) {
                kept.add(a);
            } else if (v.equals("false") || v.equals("0")) {
                pause = false;
            } else if (!v.equals("true") && !v.equals("1")) {
                return ExitCodes.usage("invalid argument \"" + v + "\" for \"-p, --pause\" flag: use true or false");
            }
        }
        CommandLine cl = COMMIT.parse(kept.toArray(new String[0]));
        if (cl == null) {
            return 0;
        }
        List<String> a = cl.getArgList();
        if (a.isEmpty() || a.size() > 2) {
            return ImageCommand.args("\"berth commit\" requires at least 1 and at most 2 arguments: CONTAINER [REPOSITORY[:TAG]]");
        }
        CommitRequest r = new CommitRequest(a.size() == 2 ? a.get(1) : null, cl.getOptionValue("author"),
            cl.getOptionValue("message"), Flags.values(cl, "change"), pause);
        try {
            System.out.println(Engines.open(root).commit(a.get(0), r));
            return 0;
        } catch (EngineException e) {
            return ExitCodes.report(e, ExitCodes.FAILURE);
        }
    }
}
