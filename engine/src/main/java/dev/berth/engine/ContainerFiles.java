package dev.berth.engine;

import dev.berth.image.Change;
import dev.berth.image.ContainerDiff;
import dev.berth.image.Image;
import dev.berth.image.ImageCatalog;
import dev.berth.image.ImageCommitter;
import dev.berth.image.ImageException;
import dev.berth.image.ImageRef;
import dev.berth.image.LayerStack;
import dev.berth.image.OwnerMap;
import dev.berth.image.Platform;
import dev.berth.image.Snapshots;
import dev.berth.image.TreeExport;
import dev.berth.runtime.json.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A container's files, read from what its state says they are ({@code Driver},
 * {@code GraphDriver}): export, diff and commit. Nothing is mounted: an overlay container's
 * files are its upper directory over its image's unpacked layers, read as overlayfs merges
 * them, so a stopped container reads like a running one; a copy (vfs) is a plain directory.
 */
final class ContainerFiles {
    private static final AtomicLong SEQ = new AtomicLong();

    private ContainerFiles() {}

    /** Where the files are. {@code lowers} lowest first; {@code dir} the copy or the --rootfs directory. */
    private record Source(String name, String driver, List<Path> lowers, Path upper, Path dir, OwnerMap owners,
        Snapshots.Mapping mapping, String imageId) {}

    private static Source source(Map<String, Object> s, String ref) throws EngineException {
        String name = Inspect.name(s);
        String driver = String.valueOf(s.get("Driver"));
        Map<String, Object> host = Json.map(s, "HostConfig");
        OwnerMap owners;
        Snapshots.Mapping mapping;
        try {
            owners = host == null ? OwnerMap.IDENTITY
                : OwnerMap.parse((String) host.get("UidMap"), (String) host.get("GidMap"));
            mapping = ImageRootfs.mapping(owners.uid(), owners.gid(), ImageRootfs.rootless());
        } catch (IllegalArgumentException e) {
            throw new EngineException.SystemFailure("the state of container " + name + " is damaged: " + e.getMessage(), e);
        }
        Map<String, Object> gd = Json.map(s, "GraphDriver");
        Map<String, Object> data = gd == null ? null : Json.map(gd, "Data");
        String image = s.get("Image") instanceof String i ? i : null;
        switch (driver) {
            case "overlay" -> {
                if (data == null || !(data.get("LowerDir") instanceof String) || !(data.get("UpperDir") instanceof String)) {
                    throw new EngineException.SystemFailure("the state of container " + name + " names no overlay"
                        + " directories (GraphDriver.Data); remove the container", null);
                }
                List<Path> lowers = new ArrayList<>();
                String[] top = String.valueOf(data.get("LowerDir")).split(":");
                for (int i = top.length - 1; i >= 0; i--) {
                    lowers.add(Path.of(top[i]));
                }
                return new Source(name, driver, lowers, Path.of((String) data.get("UpperDir")), null, owners, mapping, image);
            }
            case "vfs" -> {
                if (data == null || !(data.get("Dir") instanceof String)) {
                    throw new EngineException.SystemFailure("the state of container " + name + " names no copy"
                        + " (GraphDriver.Data.Dir); remove the container", null);
                }
                return new Source(name, driver, List.of(), null, Path.of((String) data.get("Dir")), owners, mapping, image);
            }
            case "rootfs" -> {
                return new Source(name, driver, List.of(), null, image == null ? null : Path.of(image), owners, mapping, null);
            }
            default -> throw new EngineException.InvalidArgument("container " + name + " runs on the built-in host"
                + " image, whose files are the host's own: export, diff and commit take containers of images"
                + " (berth run IMAGE) and of --rootfs directories");
        }
    }

    /** docker export: the whole tree as a tar. */
    static void export(Engine engine, String ref, OutputStream out) throws EngineException {
        Map<String, Object> s = engine.inspect(ref);
        Source src = source(s, ref);
        List<LayerStack.Layer> layers = new ArrayList<>();
        if (src.upper() != null) {
            layers.add(LayerStack.Layer.upper(src.upper(), src.mapping().userXattr()));
            for (int i = src.lowers().size() - 1; i >= 0; i--) {
                layers.add(LayerStack.Layer.snapshot(src.lowers().get(i)));
            }
        } else {
            layers.add(LayerStack.Layer.plain(src.dir()));
        }
        try {
            for (LayerStack.Layer l : layers) {
                if (!Files.isDirectory(l.root())) {
                    throw new EngineException.NotFound("the files of container " + src.name() + " are gone (" + l.root()
                        + " is missing); remove the container");
                }
            }
            TreeExport.write(new LayerStack(layers), src.owners(), out);
            out.flush();
        } catch (IOException e) {
            throw new EngineException.SystemFailure("cannot export container " + src.name() + ": " + e.getMessage(), e);
        }
    }

    /** docker container diff: what the container changed in its image's files. */
    static List<Change> changes(Engine engine, String ref) throws EngineException {
        Map<String, Object> s = engine.inspect(ref);
        Source src = source(s, ref);
        try {
            return withDiff(engine, s, src, ContainerDiff::changes);
        } catch (IOException e) {
            throw new EngineException.SystemFailure("cannot read the changes of container " + src.name() + ": "
                + e.getMessage(), e);
        }
    }

    /** docker commit: a new image of the container's image and its changes; returns its id. */
    static String commit(Engine engine, String ref, CommitRequest r) throws EngineException {
        ImageRef tag = null;
        if (r.repository() != null && !r.repository().isEmpty()) {
            try {
                tag = ImageRef.parse(r.repository());
            } catch (ImageException.InvalidReference e) {
                throw new EngineException.InvalidArgument(e.getMessage());
            }
        }
        Map<String, Object> s = engine.inspect(ref);
        Source src = source(s, ref);
        String id = (String) s.get("Id");
        boolean paused = false;
        if (r.pause() && Inspect.isRunning(s) && !Inspect.isPaused(s)) {
            engine.pause(id);
            paused = true;
        }
        String made;
        try {
            Image base = base(engine, src);
            ImageCommitter committer = new ImageCommitter(engine.images());
            ImageCommitter.Request req = new ImageCommitter.Request(config(s, base), r.changes(), r.author(), r.message(),
                createdBy(s), tag);
            made = withDiff(engine, s, src, d -> committer.commit(base, d, req)).id().toString();
        } catch (ImageException.InvalidArgument | ImageException.InvalidReference e) {
            throw thawed(engine, id, paused, new EngineException.InvalidArgument(e.getMessage()));
        } catch (IOException e) {
            throw thawed(engine, id, paused, new EngineException.SystemFailure("cannot commit container " + src.name()
                + ": " + e.getMessage(), e));
        } catch (EngineException e) {
            throw thawed(engine, id, paused, e);
        } catch (RuntimeException e) {
            throw thawed(engine, id, paused, e);
        }
        if (paused) {
            engine.unpause(id);
        }
        return made;
    }

    /** {@code e}, after the container was thawed (a failure to thaw rides along with it). */
    private static <E extends Exception> E thawed(Engine engine, String id, boolean paused, E e) {
        if (paused) {
            try {
                engine.unpause(id);
            } catch (EngineException u) {
                e.addSuppressed(u);
            }
        }
        return e;
    }

    private interface DiffUse<T> {
        T apply(ContainerDiff d) throws IOException;
    }

    /**
     * Runs {@code use} on the container's diff. A copy is compared with the image's flattened
     * tree, unpacked again if it was pruned, and held for the time being under a holder name of
     * its own (the container's directory stays its holder directory).
     */
    private static <T> T withDiff(Engine engine, Map<String, Object> s, Source src, DiffUse<T> use)
        throws EngineException, IOException {
        if (src.driver().equals("overlay")) {
            return use.apply(ContainerDiff.overlay(src.upper(), src.mapping().userXattr(), src.lowers(), src.owners()));
        }
        if (!src.driver().equals("vfs")) {
            throw new EngineException.InvalidArgument("container " + src.name() + " runs on the directory " + src.dir()
                + " (--rootfs), with no image below it to compare with; make an image of it with berth export "
                + src.name() + " | berth import - REPOSITORY");
        }
        Image image = base(engine, src);
        Snapshots snaps = ImageRootfs.snapshots(engine);
        String holder = s.get("Id") + "-diff-" + ProcessHandle.current().pid() + "-" + SEQ.incrementAndGet();
        List<String> warnings = new ArrayList<>();
        Snapshots.Use flat = snaps.use(holder, engine.dir((String) s.get("Id")), image, src.mapping(), true, warnings::add);
        try {
            return use.apply(ContainerDiff.copy(src.dir(), flat.dirs().get(0), src.owners()));
        } finally {
            snaps.release(holder);
        }
    }

    /** The image the container was made from, found by its id (its tag may have moved since). */
    private static Image base(Engine engine, Source src) throws EngineException {
        if (src.imageId() == null) {
            throw new EngineException.InvalidArgument("container " + src.name() + " has no image to commit on");
        }
        try {
            ImageCatalog.Match m = new ImageCatalog(engine.images(), Platform.current()).find(src.imageId());
            if (m.image().image() == null) {
                throw new ImageException.NotFound(src.imageId());
            }
            return m.image().image();
        } catch (ImageException.NotFound e) {
            throw new EngineException.NotFound("the image of container " + src.name() + " (" + src.imageId()
                + ") is no longer in the store; load or pull it again");
        } catch (IOException e) {
            throw new EngineException.SystemFailure("cannot read image " + src.imageId() + ": " + e.getMessage(), e);
        }
    }

    /** The fields of the container's config an image keeps; the runtime's HOSTNAME, HOME and TERM are not kept. */
    static Map<String, Object> config(Map<String, Object> s, Image base) {
        Map<String, Object> c = Json.map(s, "Config");
        Map<String, Object> out = new LinkedHashMap<>();
        if (c == null) {
            return out;
        }
        List<String> imageEnv = new ArrayList<>();
        if (base.config().containerConfig().get("Env") instanceof List<?> l) {
            for (Object o : l) {
                imageEnv.add(String.valueOf(o));
            }
        }
        String hostname = "HOSTNAME=" + c.get("Hostname");
        for (String k : List.of("User", "ExposedPorts", "Env", "Entrypoint", "Cmd", "Healthcheck", "Volumes", "WorkingDir",
            "Labels", "OnBuild", "StopSignal", "Shell")) {
            Object v = c.get(k);
            if (v == null || v instanceof String str && str.isEmpty() || v instanceof Map<?, ?> m && m.isEmpty()) {
                continue;
            }
            if (k.equals("Env") && v instanceof List<?> env) {
                List<Object> kept = new ArrayList<>();
                for (Object o : env) {
                    String e = String.valueOf(o);
                    boolean runtime = e.equals(hostname) || (e.startsWith("HOME=") || e.startsWith("TERM="))
                        && !imageEnv.contains(e);
                    if (!runtime) {
                        kept.add(e);
                    }
                }
                v = kept;
            }
            out.put(k, v);
        }
        return out;
    }

    /** docker's history entry for a commit: the container's command. */
    private static String createdBy(Map<String, Object> s) {
        Map<String, Object> c = Json.map(s, "Config");
        if (c != null && c.get("Cmd") instanceof List<?> cmd) {
            List<String> parts = new ArrayList<>();
            for (Object o : cmd) {
                parts.add(String.valueOf(o));
            }
            return String.join(" ", parts);
        }
        return "";
    }
}
