package dev.berth.engine;

import dev.berth.image.TarWriter;
import dev.berth.linux.Errno;
import dev.berth.linux.ErrnoException;
import dev.berth.linux.Fd;
import dev.berth.linux.FileInfo;
import dev.berth.linux.InRoot;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * docker's archive endpoints over a container's files ({@code HEAD}, {@code GET} and
 * {@code PUT /containers/{id}/archive}): a path's stat, a path as a tar, a tar extracted into a
 * directory. Paths are resolved as dockerd resolves them (the directory part with every symlink
 * followed inside the container's root, the last name not followed for stat and GET, followed
 * for PUT), but through descriptors only ({@link ContainerRoot}, {@link InRoot}).
 */
public final class ContainerArchive {
    private ContainerArchive() {}

    /** docker's {@code PreserveTrailingDotOrSeparator(Join("/", path), path)}: absolute, cleaned, a trailing / or /. kept. */
    static String absolute(String path) {
        StringBuilder sb = new StringBuilder();
        java.util.List<String> parts = new java.util.ArrayList<>();
        for (String p : path.split("/")) {
            if (p.isEmpty() || p.equals(".")) {
                continue;
            }
            if (p.equals("..")) {
                if (!parts.isEmpty()) {
                    parts.remove(parts.size() - 1);
                }
                continue;
            }
            parts.add(p);
        }
        for (String p : parts) {
            sb.append('/').append(p);
        }
        String clean = sb.isEmpty() ? "/" : sb.toString();
        if (path.endsWith("/.") && !clean.equals("/")) {
            return clean + "/.";
        }
        if (path.endsWith("/") && !clean.equals("/")) {
            return clean + "/";
        }
        return clean;
    }

    /** Go's {@code filepath.Base} of an absolute path: {@code /} for the root, {@code .} for {@code /a/.}. */
    static String base(String abs) {
        String s = abs;
        while (s.length() > 1 && s.endsWith("/")) {
            s = s.substring(0, s.length() - 1);
        }
        return s.equals("/") ? "/" : s.substring(s.lastIndexOf('/') + 1);
    }

    static PathStat stat(Engine engine, String ref, String path) throws EngineException {
        try (ContainerRoot root = ContainerRoot.open(engine, ref)) {
            return stat(root, path);
        }
    }

    private static PathStat stat(ContainerRoot root, String path) throws EngineException {
        String abs = absolute(path);
        root.checkReachable(abs);
        try (InRoot.Parent p = parent(root, path, abs)) {
            FileInfo st = p.name() == null ? p.dir().stat() : p.dir().statAt(p.name());
            if (st == null) {
                throw notFound(root, path);
            }
            String link = "";
            if (st.isSymlink()) {
                link = root.in.resolvedPath(abs);
            }
            return PathStat.of(base(abs), st, link);
        } catch (ErrnoException e) {
            throw failed(root, path, e);
        }
    }

    private static InRoot.Parent parent(ContainerRoot root, String path, String abs) throws EngineException {
        try {
            return root.in.parent(abs);
        } catch (ErrnoException e) {
            throw failed(root, path, e);
        }
    }

    /** {@code GET}'s answer: the stat first (for the header), then the tar, while the root stays open. */
    public static final class Reader implements AutoCloseable {
        private final ContainerRoot root;
        private final PathStat stat;
        private final String abs;

        private Reader(ContainerRoot root, PathStat stat, String abs) {
            this.root = root;
            this.stat = stat;
            this.abs = abs;
        }

        public PathStat stat() {
            return stat;
        }

        /**
         * The tar: the path's entry (a symlink itself, not its target) and all below it, named
         * as dockerd names them: by the requested path's last name ({@code .} for {@code /a/.},
         * so the contents land in the destination; entries starting with {@code /} for the root).
         */
        public void writeTo(OutputStream out) throws IOException {
            String as = stat.name().equals("/") ? "" : stat.name();
            TarWriter tar = new TarWriter(out);
            FdTar t = new FdTar(tar, root.owners);
            try (InRoot.Parent p = root.in.parent(abs)) {
                if (p.name() == null) {
                    try (Fd self = p.dir().openAt(".", Fd.O_PATH, 0)) {
                        t.add(self, self.stat(), as);
                    }
                } else {
                    try (Fd self = p.dir().openAt(p.name(), Fd.O_PATH, 0)) {
                        t.add(self, self.stat(), as);
                    }
                }
            }
            tar.finish();
        }

        @Override
        public void close() {
            root.close();
        }
    }

    static Reader read(Engine engine, String ref, String path) throws EngineException {
        ContainerRoot root = ContainerRoot.open(engine, ref);
        try {
            return new Reader(root, stat(root, path), absolute(path));
        } catch (EngineException | RuntimeException e) {
            root.close();
            throw e;
        }
    }

    /**
     * {@code PUT}: extracts {@code tar} into the directory {@code path} (a symlink there is
     * followed, inside the root). Files belong to the container's root (its host ids under
     * {@code --userns}), or with {@code copyUidGid} to the archive's owners mapped into the
     * container's user namespace. Returns the bytes of file content written.
     */
    static long extract(Engine engine, String ref, String path, InputStream tar, boolean noOverwriteDirNonDir,
        boolean copyUidGid) throws EngineException {
        try (ContainerRoot root = ContainerRoot.open(engine, ref)) {
            String abs = absolute(path);
            root.checkReachable(abs);
            Fd dest;
            try {
                dest = root.in.open(abs, true);
            } catch (ErrnoException e) {
                throw failed(root, path, e);
            }
            try (dest) {
                FileInfo st = dest.stat();
                if (!st.isDirectory()) {
                    throw new EngineException.InvalidArgument("extraction point is not a directory");
                }
                if (root.readOnly) {
                    FileInfo top = root.in.root().stat();
                    if ((!root.running && !root.mountsAttached) || top.mountId() == st.mountId()) {
                        throw new EngineException.InvalidArgument("container rootfs is marked read-only");
                    }
                }
                FdUntar.Owner owner = e -> {
                    if (e == null || !copyUidGid) {
                        return new long[] {root.rootUid, root.rootGid};
                    }
                    long uid = root.hostUid(e.uid);
                    long gid = root.hostGid(e.gid);
                    if (uid < 0 || gid < 0) {
                        throw new EngineException.InvalidArgument("the owner " + e.uid + ":" + e.gid + " of " + e.name
                            + " is not mapped in the user namespace of container " + root.name + "; copy without -a");
                    }
                    return new long[] {uid, gid};
                };
                FdUntar u = new FdUntar(dest, noOverwriteDirNonDir, owner, null);
                if (root.running && (root.rootUid != 0 || root.rootGid != 0)) {
                    asContainerRoot(root, () -> u.extract(tar));
                } else {
                    u.extract(tar);
                }
                return u.bytes();
            } catch (ErrnoException e) {
                if (e.errno() == 30) { // EROFS: a read-only volume or root of a running container
                    throw new EngineException.InvalidArgument("cannot write to " + path + " in container " + root.name
                        + ": it is on a read-only file system");
                }
                throw new EngineException.SystemFailure("cannot copy to " + path + " in container " + root.name + ": "
                    + e.getMessage(), e);
            } catch (IOException e) {
                throw new EngineException.InvalidArgument("cannot copy to " + path + " in container " + root.name + ": "
                    + e.getMessage());
            }
        }
    }

    private interface Work {
        void run() throws IOException, EngineException;
    }

    /**
     * Runs {@code work} on a platform thread of its own acting as the container's root for the
     * file system ({@link dev.berth.linux.FsCreds}): the running container's mounts were made
     * in its user namespace and make no file for an owner they cannot map, as host root is.
     */
    private static void asContainerRoot(ContainerRoot root, Work work) throws IOException, EngineException {
        Object[] failure = new Object[1];
        Thread t = Thread.ofPlatform().name("cp-as-root").start(() -> {
            try {
                dev.berth.linux.FsCreds.become(root.rootUid, root.rootGid);
                work.run();
            } catch (IOException | EngineException | RuntimeException e) {
                failure[0] = e;
            }
        });
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EngineException.SystemFailure("interrupted while copying into container " + root.name, e);
        }
        if (failure[0] instanceof IOException e) {
            throw e;
        } else if (failure[0] instanceof EngineException e) {
            throw e;
        } else if (failure[0] instanceof RuntimeException e) {
            throw e;
        }
    }

    static EngineException notFound(ContainerRoot root, String path) {
        return new EngineException.NotFound("Could not find the file " + path + " in container " + root.name);
    }

    private static EngineException failed(ContainerRoot root, String path, ErrnoException e) {
        if (e.errno() == Errno.ENOENT) {
            return notFound(root, path);
        }
        if (e.errno() == Errno.ENOTDIR) {
            return new EngineException.InvalidArgument("cannot stat " + path + " in container " + root.name
                + ": not a directory");
        }
        if (e.errno() == 40) {
            return new EngineException.InvalidArgument("cannot resolve " + path + " in container " + root.name
                + ": too many levels of symbolic links, or a link into /proc");
        }
        return new EngineException.SystemFailure("cannot read " + path + " in container " + root.name + ": "
            + e.getMessage(), e);
    }
}
