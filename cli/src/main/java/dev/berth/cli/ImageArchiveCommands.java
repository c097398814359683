package dev.berth.cli;

import dev.berth.image.ArchiveWriter;
import dev.berth.image.Image;
import dev.berth.image.ImageCatalog;
import dev.berth.image.ImageImporter;
import dev.berth.image.ImageRef;
import dev.berth.image.Platform;
import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.ParseException;

/** {@code berth load}, {@code save} and {@code import}: images in and out as tar archives. */
final class ImageArchiveCommands {
    static final Flags LOAD = new Flags("berth load [OPTIONS]").interspersed()
        .value("i", "input", "FILE", "Read from tar archive file, instead of STDIN")
        .bool("q", "quiet", "Suppress the load output (berth prints no progress anyway)");
    static final Flags SAVE = new Flags("berth save [OPTIONS] IMAGE...").interspersed()
        .value("o", "output", "FILE", "Write to a file, instead of STDOUT");
    static final Flags IMPORT = new Flags("berth import [OPTIONS] FILE|- [REPOSITORY[:TAG]]").interspersed()
        .value("c", "change", "INSTRUCTION", "Apply a Dockerfile instruction to the image (CMD, ENTRYPOINT, ENV, EXPOSE, "
            + "LABEL, USER, VOLUME, WORKDIR, STOPSIGNAL; repeatable)")
        .value("m", "message", "MESSAGE", "Set commit message for imported image");

    private final Path root;

    ImageArchiveCommands(Path root) {
        this.root = root;
    }

    /** Whether file descriptor 0, 1 or 2 is a terminal: its /proc link names a tty (no native call). */
    static boolean isTerminal(int fd) {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    int load(String[] args) throws ParseException {
        CommandLine cl = LOAD.parse(args);
        if (cl == null) {
            return 0;
        }
        if (!cl.getArgList().isEmpty()) {
            return ImageCommand.args("\"berth load\" accepts no arguments; give the archive with -i FILE or on stdin");
        }
        String file = cl.getOptionValue("input");
        if (file == null && isTerminal(0)) {
            return ImageCommand.args("requested load from stdin, but stdin is empty; use -i FILE or redirect an archive");
        }
        try (InputStream in = file == null ? System.in : Files.newInputStream(Path.of(file))) {
            StringBuilder out = new StringBuilder();
            for (String line : Engines.open(root).imageAdmin().load(in)) {
                out.append(line).append('\n');
            }
            System.out.print(out);
            return 0;
        } catch (NoSuchFileException e) {
            return ImageCommand.args("cannot read " + file + ": no such file");
        } catch (IOException e) {
            return ImageCommand.fail(e);
        }
    }

    int save(String[] args) throws ParseException {
        CommandLine cl = SAVE.parse(args);
        if (cl == null) {
            return 0;
        }
        if (cl.getArgList().isEmpty()) {
            return ImageCommand.args("\"berth save\" requires at least 1 argument: an image");
        }
        String output = cl.getOptionValue("output");
        if (output == null && isTerminal(1)) {
            return ImageCommand.args("cowardly refusing to save to a terminal. Use the -o flag or redirect");
        }
        try {
            ArchiveWriter writer = Engines.open(root).imageAdmin().archive(cl.getArgList());
            if (output == null) {
                OutputStream out = new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16);
                writer.write(out);
                out.flush();
                return 0;
            }
            // written beside and renamed over, as docker's CopyToFile: never a half archive under the name
            Path target = Path.of(output).toAbsolutePath();
            Path tmp = target.resolveSibling("." + target.getFileName() + ".berth-" + ProcessHandle.current().pid());
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
                writer.write(out);
            } catch (IOException | RuntimeException e) {
                Files.deleteIfExists(tmp);
                throw e;
            }
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return 0;
        } catch (NoSuchFileException e) {
            return ImageCommand.args("cannot write " + output + ": its directory does not exist");
        } catch (IOException e) {
            return ImageCommand.fail(e);
        }
    }

    int importRootfs(String[] args) throws ParseException {
        CommandLine cl = IMPORT.parse(args);
        if (cl == null) {
            return 0;
        }
        List<String> a = cl.getArgList();
        if (a.isEmpty() || a.size() > 2) {
            return ImageCommand.args("\"berth import\" requires at least 1 and at most 2 arguments: FILE|- [REPOSITORY[:TAG]]");
        }
        String source = a.get(0);
        if (source.startsWith("http://") || source.startsWith("https://")) {
            return ImageCommand.args("berth import does not fetch URLs: download " + source + " and import the file");
        }
        try {
            ImageRef tag = a.size() == 2 ? ImageRef.parse(a.get(1)) : null;
            ImageCatalog catalog = ImageCommand.catalog(root);
            Image img;
            try (InputStream in = source.equals("-") ? System.in : Files.newInputStream(Path.of(source))) {
                img = new ImageImporter(catalog.store()).importRootfs(in, Flags.values(cl, "change"),
                    cl.getOptionValue("message"), source, tag, Platform.current());
            }
            System.out.println(img.id());
            return 0;
        } catch (NoSuchFileException e) {
            return ImageCommand.args("cannot read " + source + ": no such file");
        } catch (IOException e) {
            return ImageCommand.fail(e);
        }
    }
}
