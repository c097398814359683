package dev.berth.cli;

import dev.berth.engine.Cp;
import dev.berth.engine.Engine;
import dev.berth.engine.EngineException;
import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.List;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.ParseException;

/** {@code berth cp}: files between a container and the host, with docker cp's rules ({@link Cp}). */
final class CpCommand {
    static final Flags FLAGS = new Flags("berth cp [OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n"
        + "       berth cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH").interspersed()
        .bool("a", "archive", "Archive mode (copy all uid/gid information)")
        .bool("L", "follow-link", "Always follow symbol link in SRC_PATH")
        .bool("q", "quiet", "Suppress progress output during copy");

    private final Path root;

    CpCommand(Path root) {
        this.root = root;
    }

    int run(String[] args) throws ParseException, IOException {
        CommandLine cl = FLAGS.parse(args);
        if (cl == null) {
            return 0;
        }
        List<String> a = cl.getArgList();
        if (a.size() != 2) {
            return ImageCommand.args("\"berth cp\" requires exactly 2 arguments: CONTAINER:SRC_PATH DEST_PATH|-"
                + " or SRC_PATH|- CONTAINER:DEST_PATH");
        }
        String[] src = split(a.get(0));
        String[] dst = split(a.get(1));
        if (src[0] == null && dst[0] == null) {
            return ImageCommand.args("must specify at least one container source");
        }
        if (src[0] != null && dst[0] != null) {
            return ImageCommand.args("copying between containers is not supported");
        }
        if (src[1].isEmpty()) {
            return ImageCommand.args("source can not be empty");
        }
        if (dst[1].isEmpty()) {
            return ImageCommand.args("destination can not be empty");
        }
        boolean archive = cl.hasOption("archive");
        boolean follow = cl.hasOption("follow-link");
        Engine engine = Engines.open(root);
        try {
            Cp.Copied done;
            if (src[0] != null) {
                OutputStream out = new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16);
                done = Cp.fromContainer(engine, src[0], src[1], dst[1], follow, archive, out);
                out.flush();
            } else {
                done = Cp.toContainer(engine, dst[0], src[1], dst[1], follow, archive,
                    new FileInputStream(FileDescriptor.in));
            }
            if (done != null && !cl.hasOption("quiet")) {
                System.err.println(done.message());
            }
            return 0;
        } catch (EngineException e) {
            return ExitCodes.report(e, ExitCodes.FAILURE);
        }
    }

    /**
     * docker's {@code splitCpArg}: {@code {container, path}}, container null for a local path
     * (absolute, without a colon, or starting with {@code .} as in {@code ./a:b}).
     */
    static String[] split(String arg) {
        int colon = arg.indexOf(':');
        if (arg.startsWith("/") || colon < 0 || arg.startsWith(".")) {
            return new String[] {null, arg};
        }
        return new String[] {arg.substring(0, colon), arg.substring(colon + 1)};
    }
}
