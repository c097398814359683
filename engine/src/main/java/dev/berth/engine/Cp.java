package dev.berth.engine;

import dev.berth.image.OwnerMap;
import dev.berth.image.TarWriter;
import dev.berth.linux.ErrnoException;
import dev.berth.linux.Fd;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.function.UnaryOperator;

/**
 * {@code berth cp}: the docker CLI's half of {@code docker cp} (its {@code cp.go} and
 * {@code pkg/archive/copy.go} rules: which directory the archive is extracted into and what its
 * top entry is renamed to), over the engine's half ({@link ContainerArchive}), so that both
 * directions behave as {@code docker cp} does against dockerd. The local side follows the
 * caller's symlinks as the caller means them; what comes out of a container is extracted with
 * the destination directory as its root ({@link FdUntar}), never through a link the archive made.
 */
public final class Cp {
    private Cp() {}

    /** What a copy did, for docker's "Successfully copied 2.05kB to DEST". */
    public record Copied(long bytes, String to) {
        public String message() {
            return "Successfully copied " + humanSize(bytes) + " to " + to;
        }
    }

    /** {@code CONTAINER:SRC DEST}, or {@code DEST} "-" for the tar on {@code stdout} (then null is returned). */
    public static Copied fromContainer(Engine engine, String ref, String src, String dst, boolean followLink,
        boolean archive, OutputStream stdout) throws EngineException {
        String dstPath = dst;
        if (!dst.equals("-")) {
            dstPath = GoPaths.preserveTrailing(localAbsolute(dst), dst);
            validateOutputPath(dstPath);
        }
        String srcPath = src;
        String rebaseName = "";
        if (followLink) {
            PathStat st = null;
            try {
                st = engine.statPath(ref, src);
            } catch (EngineException.NotFound e) {
                engine.inspect(ref); // the container itself must exist; a missing path fails below
            }
            if (st != null && st.isSymlink()) {
                String target = st.linkTarget();
                if (!GoPaths.isAbs(target)) {
                    target = GoPaths.join(GoPaths.splitDirEntry(src)[0], target);
                }
                String[] r = GoPaths.rebaseName(src, target);
                srcPath = r[0];
                rebaseName = r[1];
            }
        }
        try (ContainerArchive.Reader reader = engine.archive(ref, srcPath)) {
            if (dst.equals("-")) {
                reader.writeTo(stdout);
                stdout.flush();
                return null;
            }
            boolean srcIsDir = reader.stat().isDirectory();
            UnaryOperator<String> first = UnaryOperator.identity();
            if (!rebaseName.isEmpty()) {
                String from = GoPaths.splitDirEntry(srcPath)[1];
                String to = rebaseName;
                first = n -> GoPaths.rebase(n, from, to);
            }
            Destination d = destination(dstPath);
            Prepared p = prepare(srcPath, srcIsDir, rebaseName, d);
            UnaryOperator<String> second = p.rename;
            UnaryOperator<String> rename = second == null ? first : chain(first, second);
            try (Fd dir = openLocal(p.dir)) {
                FdUntar.Owner owner = e -> archive && e != null ? new long[] {e.uid, e.gid} : null;
                FdUntar u = new FdUntar(dir, true, owner, rename);
                long[] counted = new long[1];
                try (InputStream in = pipe(reader::writeTo, counted)) {
                    u.extract(in);
                }
                return new Copied(counted[0], dstPath);
            }
        } catch (UncheckedIOException e) {
            throw new EngineException.SystemFailure("cannot copy " + src + " out of container " + ref + ": "
                + e.getCause().getMessage(), e);
        } catch (IOException e) {
            throw new EngineException.SystemFailure("cannot copy " + src + " out of container " + ref + ": "
                + e.getMessage(), e);
        }
    }

    /** {@code SRC CONTAINER:DEST}, or {@code SRC} "-" for a tar on {@code stdin}. */
    public static Copied toContainer(Engine engine, String ref, String src, String dst, boolean followLink,
        boolean archive, InputStream stdin) throws EngineException {
        engine.inspect(ref); // "no such container" before anything about paths
        String dstPath = dst;
        PathStat dstStat = statOrNull(engine, ref, dst);
        if (dstStat != null && dstStat.isSymlink()) {
            String target = dstStat.linkTarget();
            if (!GoPaths.isAbs(target)) {
                target = GoPaths.join(GoPaths.splitDirEntry(dst)[0], target);
            }
            dstPath = target;
            dstStat = statOrNull(engine, ref, target);
        }
        if (dstStat != null) {
            String bad = (dstStat.mode() & PathStat.MODE_DEVICE) != 0 ? "got a device" : null;
            if (bad != null) {
                throw new EngineException.InvalidArgument("destination \"" + ref + ":" + dst
                    + "\" must be a directory or a regular file: " + bad);
            }
        }
        boolean exists = dstStat != null;
        boolean isDir = exists && dstStat.isDirectory();
        if (src.equals("-")) {
            if (!isDir) {
                throw new EngineException.InvalidArgument("destination \"" + ref + ":" + dst + "\" must be a directory");
            }
            long n = engine.extractArchive(ref, dstPath, stdin, true, archive);
            return new Copied(n, ref + ":" + dstPath);
        }
        String srcAbs = GoPaths.preserveTrailing(localAbsolute(src), src);
        String[] source = sourcePath(srcAbs, followLink);
        String srcPath = source[0];
        String rebaseName = source[1];
        Attrs srcAttrs = lstat(srcPath);
        if (srcAttrs == null) {
            throw new EngineException.NotFound("lstat " + srcPath + ": no such file or directory");
        }
        Destination d = new Destination(dstPath, exists, isDir);
        Prepared p = prepare(srcPath, srcAttrs.dir, rebaseName, d);
        String[] split = GoPaths.splitDirEntry(srcPath);
        String top = rebaseName.isEmpty() ? split[1] : rebaseName;
        String as = p.rename == null ? top : p.rename.apply(top);
        Fd parent = openLocal(split[0]);
        long[] counted = new long[1];
        try (parent; InputStream in = pipe(out -> {
            TarWriter tar = new TarWriter(out);
            try (Fd self = split[1].equals(".") ? parent.openAt(".", Fd.O_PATH, 0) : parent.openAt(split[1], Fd.O_PATH, 0)) {
                new FdTar(tar, OwnerMap.IDENTITY).add(self, self.stat(), as.equals("/") ? "" : as);
            }
            tar.finish();
        }, counted)) {
            engine.extractArchive(ref, p.dir, in, true, archive);
        } catch (IOException e) {
            throw new EngineException.SystemFailure("cannot copy " + src + " into container " + ref + ": "
                + e.getMessage(), e);
        }
        return new Copied(counted[0], ref + ":" + dstPath);
    }

    private static Fd openLocal(String dir) throws EngineException {
        try {
            return Fd.openDirectory(Path.of(dir));
        } catch (ErrnoException e) {
            throw new EngineException.NotFound("cannot open " + dir + ": " + e.getMessage());
        }
    }

    private static PathStat statOrNull(Engine engine, String ref, String path) {
        try {
            return engine.statPath(ref, path);
        } catch (EngineException e) {
            return null; // as docker: a destination that cannot be stat'ed may still be made
        }
    }

    private record Destination(String path, boolean exists, boolean isDir) {}

    private record Prepared(String dir, UnaryOperator<String> rename) {}

    /** docker's {@code PrepareArchiveCopy}: where to extract, and how the archive's top entry is renamed. */
    private static Prepared prepare(String srcPath, boolean srcIsDir, String rebaseName, Destination dst)
        throws EngineException {
        String[] d = GoPaths.splitDirEntry(dst.path);
        String srcBase = rebaseName.isEmpty() ? GoPaths.splitDirEntry(srcPath)[1] : rebaseName;
        String dstBase = d[1];
        UnaryOperator<String> rename = n -> GoPaths.rebase(n, srcBase, dstBase);
        if (dst.exists && dst.isDir) {
            return new Prepared(dst.path, null);
        }
        if (dst.exists && srcIsDir) {
            throw new EngineException.InvalidArgument("cannot copy directory");
        }
        if (dst.exists || srcIsDir) {
            return new Prepared(d[0], rename);
        }
        if (GoPaths.hasTrailingSeparator(dst.path) || GoPaths.specifiesCurrentDir(dst.path)) {
            throw new EngineException.InvalidArgument("no such directory");
        }
        return new Prepared(d[0], rename);
    }

    /** docker's {@code CopyInfoDestinationPath} on the local side: symlinks followed (10 at most). */
    private static Destination destination(String path) throws EngineException {
        String p = path;
        Attrs a = lstat(p);
        for (int n = 0; a != null && a.link; n++) {
            if (n > 10) {
                throw new EngineException.InvalidArgument("too many symlinks in " + path);
            }
            String target;
            try {
                target = Files.readSymbolicLink(Path.of(p)).toString();
            } catch (IOException e) {
                throw new EngineException.InvalidArgument("readlink " + p + ": " + e.getMessage());
            }
            if (!GoPaths.isAbs(target)) {
                target = GoPaths.join(GoPaths.splitDirEntry(p)[0], target);
            }
            p = target;
            a = lstat(p);
        }
        if (a == null) {
            String parent = GoPaths.splitDirEntry(p)[0];
            if (!Files.exists(Path.of(parent))) {
                throw new EngineException.NotFound("stat " + parent + ": no such file or directory");
            }
            if (!Files.isDirectory(Path.of(parent))) {
                throw new EngineException.InvalidArgument("not a directory");
            }
            return new Destination(p, false, false);
        }
        return new Destination(p, true, a.dir);
    }

    /** docker's {@code ResolveHostSourcePath}: {@code {resolved, rebaseName}}. */
    private static String[] sourcePath(String path, boolean followLink) throws EngineException {
        if (followLink) {
            return GoPaths.rebaseName(path, evalSymlinks(path));
        }
        int slash = path.lastIndexOf('/');
        String dirPath = path.substring(0, slash + 1);
        String basePath = path.substring(slash + 1);
        String resolved = evalSymlinks(dirPath) + "/" + basePath;
        String rebase = GoPaths.hasTrailingSeparator(path) && !GoPaths.base(path).equals(GoPaths.base(resolved))
            ? GoPaths.base(path) : "";
        return new String[] {resolved, rebase};
    }

    private static String evalSymlinks(String p) throws EngineException {
        try {
            String real = Path.of(p.isEmpty() ? "." : p).toRealPath().toString();
            return real;
        } catch (NoSuchFileException e) {
            throw new EngineException.NotFound("lstat " + GoPaths.clean(p) + ": no such file or directory");
        } catch (IOException e) {
            throw new EngineException.InvalidArgument(GoPaths.clean(p) + ": " + e.getMessage());
        }
    }

    /** docker's {@code ValidateOutputPath}: the destination's directory must exist. */
    private static void validateOutputPath(String path) throws EngineException {
        String dir = GoPaths.dir(GoPaths.clean(path));
        if (!dir.isEmpty() && !dir.equals(".") && !Files.exists(Path.of(dir))) {
            throw new EngineException.NotFound("invalid output path: directory \"" + dir + "\" does not exist");
        }
        Path p = Path.of(path);
        if (Files.exists(p) && !Files.isDirectory(p) && !Files.isRegularFile(p)) {
            throw new EngineException.InvalidArgument("invalid output path: \"" + path
                + "\" must be a directory or a regular file");
        }
    }

    private static String localAbsolute(String p) {
        return GoPaths.clean(p.startsWith("/") ? p : System.getProperty("user.dir") + "/" + p);
    }

    private record Attrs(boolean dir, boolean link) {}

    /** Go's {@code os.Lstat}: a trailing / follows a last symlink and requires a directory. */
    private static Attrs lstat(String p) throws EngineException {
        boolean trailing = GoPaths.hasTrailingSeparator(p) || p.endsWith("/.");
        try {
            BasicFileAttributes a = trailing
                ? Files.readAttributes(Path.of(p), BasicFileAttributes.class)
                : Files.readAttributes(Path.of(p), BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (trailing && !a.isDirectory()) {
                throw new EngineException.InvalidArgument("lstat " + p + ": not a directory");
            }
            return new Attrs(a.isDirectory(), a.isSymbolicLink());
        } catch (NoSuchFileException e) {
            return null;
        } catch (FileSystemException e) {
            if (e.getReason() != null && e.getReason().contains("Not a directory")) {
                throw new EngineException.InvalidArgument("lstat " + p + ": not a directory");
            }
            throw new EngineException.InvalidArgument("lstat " + p + ": " + e.getMessage());
        } catch (IOException e) {
            throw new EngineException.InvalidArgument("lstat " + p + ": " + e.getMessage());
        }
    }

    private static UnaryOperator<String> chain(UnaryOperator<String> a, UnaryOperator<String> b) {
        return n -> b.apply(a.apply(n));
    }

    private interface Producer {
        void write(OutputStream out) throws IOException;
    }

    /**
     * What {@code producer} writes, as a stream read by the caller: the producer runs on a
     * virtual thread; its failure is the reader's at the end of the data; {@code counted[0]}
     * ends as the number of bytes that passed.
     */
    private static InputStream pipe(Producer producer, long[] counted) throws IOException {
        PipedInputStream in = new PipedInputStream(1 << 16);
        PipedOutputStream out = new PipedOutputStream(in);
        IOException[] failure = new IOException[1];
        Thread t = Thread.ofVirtual().start(() -> {
            try (OutputStream o = out) {
                producer.write(new OutputStream() {
                    @Override
                    public void write(int b) throws IOException {
                        o.write(b);
                        counted[0]++;
                    }

                    @Override
                    public void write(byte[] b, int off, int len) throws IOException {
                        o.write(b, off, len);
                        counted[0] += len;
                    }
                });
            } catch (IOException e) {
                failure[0] = e;
            } catch (RuntimeException e) {
                failure[0] = new IOException(e.getMessage(), e);
            }
        });
        return new java.io.FilterInputStream(in) {
            @Override
            public void close() throws IOException {
                super.close();
                try {
                    t.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                if (failure[0] != null && !(failure[0].getMessage() != null
                    && failure[0].getMessage().contains("Pipe closed"))) {
                    throw failure[0];
                }
            }
        };
    }

    /** docker's {@code units.HumanSizeWithPrecision(n, 3)}: decimal units, three significant digits. */
    static String humanSize(long n) {
        String[] units = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
        double size = n;
        int i = 0;
        while (size >= 1000 && i < units.length - 1) {
            size /= 1000;
            i++;
        }
        BigDecimal d = new BigDecimal(size).round(new MathContext(3, RoundingMode.HALF_EVEN)).stripTrailingZeros();
        return d.toPlainString() + units[i];
    }
}
