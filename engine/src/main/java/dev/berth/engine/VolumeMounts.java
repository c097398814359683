package dev.berth.engine;

import dev.berth.image.FileStat;
import dev.berth.image.LayerStack;
import dev.berth.runtime.state.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A container's volumes: which volumes its mounts name (creating the implicit and anonymous
 * ones), the file {@code ROOT/containers/ID/volumes} that records them (one line each: kind,
 * name, target), docker's copy-up of the image's files into a new empty volume, and what
 * happens to them when the container exits or goes.
 *
 * <p>Kinds: {@code named} (it existed), {@code created} (made for this container's first run:
 * a run that fails removes it again), {@code anon} (anonymous: {@code run --rm} and
 * {@code rm -v} remove it with the container).
 */
final class VolumeMounts {
    static final String USES = "volumes";

    /** One volume a container uses. */
    record Use(String kind, String name, String target) {}

    /** A volume mount asked for by -v, --mount or the image's Volumes; {@code name} null: anonymous. */
    record Wanted(String name, String target, boolean readOnly, boolean nocopy, Map<String, String> labels,
        Map<String, String> options, int index) {}

    /** A wanted volume with the volume it got. */
    record Resolved(Wanted wanted, String name, Path source) {}

    private VolumeMounts() {}

    /** What the container's directory records; empty when it uses no volume. */
    static List<Use> read(Path dir) throws IOException {
        List<String> lines;
        try {
            lines = Files.readAllLines(dir.resolve(USES));
        } catch (NoSuchFileException e) {
            return List.of();
        }
        List<Use> out = new ArrayList<>();
        for (String line : lines) {
            String[] f = line.split(" ", 3);
            if (f.length == 3) {
                out.add(new Use(f[0], f[1], f[2]));
            }
        }
        return out;
    }

    private static void write(Path dir, List<Use> uses) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (Use u : uses) {
            sb.append(u.kind()).append(' ').append(u.name()).append(' ').append(u.target()).append('\n');
        }
        AtomicFiles.write(dir.resolve(USES), sb.toString().getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Finds or makes the volume of each wanted mount and records them in the container's
     * directory; with {@code destinations} (the targets resolved in the rootfs: the container is
     * about to start) mounts volumes with
     * options, fills new empty volumes from {@code image} (docker's copy-up, unless nocopy), and
     * gives an empty volume to the root of the container's user namespace ({@code shift} > 0).
     * A failure removes the volumes this call made.
     */
    static List<Resolved> attach(Engine engine, Path dir, List<Wanted> wanted, List<String> destinations,
        LayerStack image, long[] shift) throws EngineException {
        boolean populate = destinations != null;
        if (wanted.isEmpty()) {
            return List.of();
        }
        Volumes volumes = engine.volumes();
        VolumeStore store = volumes.store();
        List<String> made = new ArrayList<>();
        try (var lock = store.lock()) {
            try {
                List<Use> prior = read(dir);
                List<Use> uses = new ArrayList<>();
                List<Resolved> out = new ArrayList<>();
                for (Wanted w : wanted) {
                    String name = w.name();
                    String kind = "named";
                    if (name == null) {
                        kind = "anon";
                        for (Use u : prior) { // started again: the same anonymous volume
                            if (u.kind().equals("anon") && u.target().equals(w.target()) && store.read(u.name()) != null) {
                                name = u.name();
                            }
                        }
                        if (name == null) {
                            name = Names.newId();
                            Map<String, String> labels = new LinkedHashMap<>(w.labels());
                            labels.put(Volumes.ANONYMOUS_LABEL, "");
                            volumes.make(name, labels, w.options());
                            made.add(name);
                        }
                    } else if (store.read(name) == null) {
                        kind = "created";
                        volumes.make(name, w.labels(), w.options());
                        made.add(name);
                    } else {
                        for (Use u : prior) {
                            if (u.name().equals(name) && u.kind().equals("created")) {
                                kind = "created";
                            }
                        }
                    }
                    uses.add(new Use(kind, name, w.target()));
                    out.add(new Resolved(w, name, store.data(name)));
                }
                write(dir, uses);
                if (populate) {
                    for (int i = 0; i < out.size(); i++) {
                        populate(volumes, out.get(i), destinations.get(i), image, shift);
                    }
                }
                return out;
            } catch (IOException | RuntimeException | EngineException e) {
                for (String n : made) {
                    try {
                        volumes.delete(n);
                    } catch (IOException suppressed) {
                        e.addSuppressed(suppressed);
                    }
                }
                if (e instanceof EngineException ee) {
                    throw ee;
                }
                throw new EngineException.SystemFailure("cannot prepare the container's volumes: " + e.getMessage(), e);
            }
        } catch (IOException e) {
            throw new EngineException.SystemFailure("cannot lock the volumes: " + e.getMessage(), e);
        }
    }

    private static void populate(Volumes volumes, Resolved r, String destination, LayerStack image, long[] shift)
        throws EngineException, IOException {
        Map<String, Object> meta = volumes.store().read(r.name());
        if (meta == null) {
            throw new EngineException.NotFound("volume " + r.name() + " was removed meanwhile; run again");
        }
        volumes.mountIfNeeded(r.name(), meta);
        Path data = r.source();
        if (!empty(data)) {
            return;
        }
        if (!r.wanted().nocopy() && image != null) {
            copyUp(image, destination, data);
        }
        if (shift != null && empty(data) && ((Number) Files.getAttribute(data, "unix:uid", LinkOption.NOFOLLOW_LINKS))
            .longValue() == 0) {
            Files.setAttribute(data, "unix:uid", (int) shift[0], LinkOption.NOFOLLOW_LINKS);
            Files.setAttribute(data, "unix:gid", (int) shift[1], LinkOption.NOFOLLOW_LINKS);
        }
    }

    private static boolean empty(Path dir) throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            return !ds.iterator().hasNext();
        }
    }

    /**
     * docker's copy-up: what the image has at {@code target} (a directory), with owners, modes
     * and times, into the volume's empty {@code data}, the directory itself taking the image
     * directory's owner and mode. Devices, fifos and sockets are left out; hard links become copies.
     */
    static void copyUp(LayerStack image, String target, Path data) throws IOException {
        LayerStack.Node n = image.find(target.startsWith("/") ? target.substring(1) : target);
        if (n == null || !n.stat().isDirectory()) {
            return;
        }
        copyChildren(image, n, data);
        attributes(data, n.stat());
    }

    private static void copyChildren(LayerStack image, LayerStack.Node dir, Path to) throws IOException {
        for (LayerStack.Node c : image.children(dir)) {
            Path d = to.resolve(c.name());
            FileStat st = c.stat();
            if (st.isDirectory()) {
                Files.createDirectory(d);
                copyChildren(image, c, d);
            } else if (st.isRegular()) {
                Files.copy(c.path(), d, LinkOption.NOFOLLOW_LINKS);
            } else if (st.isSymlink()) {
                Files.createSymbolicLink(d, Files.readSymbolicLink(c.path()));
            } else {
                continue;
            }
            attributes(d, st);
        }
    }

    private static void attributes(Path p, FileStat st) throws IOException {
        Files.setAttribute(p, "unix:uid", (int) st.uid(), LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(p, "unix:gid", (int) st.gid(), LinkOption.NOFOLLOW_LINKS);
        if (st.isSymlink()) {
            return; // a link's own mode and times are not settable through the JDK
        }
        Files.setAttribute(p, "unix:mode", st.mode() & 07777, LinkOption.NOFOLLOW_LINKS); // after chown, which clears set-id bits
        Files.setLastModifiedTime(p, FileTime.from(st.mtimeNanos(), TimeUnit.NANOSECONDS));
    }

    /**
     * The container's processes are gone: volumes with options that no other running container
     * uses are unmounted; with {@code removed} (the container goes), its anonymous volumes go
     * too when {@code anonymous}, and those made for a run that failed when {@code created}.
     */
    static void release(Engine engine, String id, Path dir, boolean anonymous, boolean created) throws EngineException {
        List<Use> uses;
        try {
            uses = read(dir);
        } catch (IOException e) {
            throw new EngineException.SystemFailure("cannot read the volumes of container " + id + ": " + e.getMessage(), e);
        }
        if (uses.isEmpty()) {
            return;
        }
        Volumes volumes = engine.volumes();
        try (var lock = volumes.store().lock()) {
            for (Use u : uses) {
                volumes.unmountIfUnused(u.name(), id);
            }
            if (!anonymous && !created) {
                return;
            }
            Map<String, List<String>> users = volumes.users();
            for (Use u : uses) {
                boolean remove = anonymous && u.kind().equals("anon") || created && u.kind().equals("created");
                List<String> others = new ArrayList<>(users.getOrDefault(u.name(), List.of()));
                others.remove(id);
                if (remove && others.isEmpty() && volumes.store().read(u.name()) != null) {
                    volumes.delete(u.name());
                }
            }
            Files.deleteIfExists(dir.resolve(USES)); // the volumes are no longer this container's to hold
        } catch (IOException e) {
            throw new EngineException.SystemFailure("cannot release the volumes of container " + id + ": "
                + e.getMessage(), e);
        }
    }

    /** docker's Mounts entries for the container's volumes, in place of the plain binds the stage got. */
    static void inspect(Map<String, Object> state, List<Resolved> resolved, List<String> destinations) {
        if (!(state.get("Mounts") instanceof List<?> mounts)) {
            return;
        }
        for (int i = 0; i < resolved.size(); i++) {
            Resolved r = resolved.get(i);
            String dest = destinations.get(i);
            for (Object o : mounts) {
                @SuppressWarnings("unchecked")
                Map<String, Object> m = (Map<String, Object>) o;
                if (dest.equals(m.get("Destination"))) {
                    m.clear();
                    m.putAll(entry(r, dest));
                }
            }
        }
    }

    /** docker's Mounts entry of one volume. */
    static Map<String, Object> entry(Resolved r, String dest) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("Type", "volume");
        m.put("Name", r.name());
        m.put("Source", r.source().toString());
        m.put("Destination", dest);
        m.put("Driver", "local");
        m.put("Mode", r.wanted().readOnly() ? "ro" : "z");
        m.put("RW", !r.wanted().readOnly());
        m.put("Propagation", "");
        return m;
    }
}
