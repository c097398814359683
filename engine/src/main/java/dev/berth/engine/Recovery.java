package dev.berth.engine;

import dev.berth.linux.Mountinfo;
import dev.berth.runtime.cgroup.CgroupException;
import dev.berth.runtime.cgroup.Cgroups;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What a crash leaves, found and taken back. berth has no daemon to sweep after a killed CLI,
 * so a run that dies between its first step and the container's first state write leaves a
 * directory with a {@code creator} file naming a dead process ({@link Store#abandoned}), a name
 * pointing at it, perhaps a cgroup, addresses and ports. Each is found from the directory:
 * the name is taken back when it is wanted again ({@link #reclaimName}), and {@code berth system
 * check} lists (and with {@code --repair} removes) everything at once. A removal that died after
 * its commit point ({@link Store#startRemoval}) leaves the same, marked {@code removing}.
 */
public final class Recovery {
    private Recovery() {}

    /** One leftover: what it is, and whether it was repaired. */
    public record Finding(String kind, String what, String detail, boolean repaired) {}

    /** Takes {@code name} back if its container was abandoned or is gone; true if it did. */
    static boolean reclaimName(Engine engine, String name) {
        Store store = engine.store();
        String id = store.idOfName(name);
        if (id == null) {
            return true; // released meanwhile: try again
        }
        Path dir = store.dir(id);
        try {
            if (!Files.isDirectory(dir)) {
                store.releaseName(name, id);
                return true;
            }
            if (store.abandoned(dir)) {
                return repair(engine, id, dir).isEmpty();
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }

    /**
     * How old a removal's marker must be before the daemon's start-up repair finishes it: an
     * exited {@code --rm} container is removed without the container's lock (its monitor's exit
     * command, or the CLI that ran it), so a young marker may be a removal still under way.
     */
    static final long REMOVAL_GRACE_MILLIS = 10_000;

    static List<Finding> check(Engine engine, boolean repair) throws EngineException {
        return check(engine, repair, 0);
    }

    /**
     * Every leftover, repaired with {@code repair}. A removal whose marker is younger than
     * {@code graceMillis} is left alone (and not reported): it may be under way.
     */
    static List<Finding> check(Engine engine, boolean repair, long graceMillis) throws EngineException {
        Store store = engine.store();
        List<Finding> out = new ArrayList<>();
        try {
            for (String id : store.ids()) {
                Path dir = store.dir(id);
                if (!store.abandoned(dir) || graceMillis > 0 && young(dir.resolve(Store.REMOVING), graceMillis)) {
                    continue;
                }
                Store.Creator c = Store.creator(dir);
                String detail = (Files.exists(dir.resolve(Store.REMOVING)) ? "abandoned while being removed"
                    : "abandoned while being created" + (c == null ? "" : " by pid " + c.pid())) + held(engine, id, dir, c);
                List<String> left = repair ? repair(engine, id, dir) : List.of("");
                out.add(new Finding("container", id, left.isEmpty() ? detail : detail + String.join("; ", left),
                    left.isEmpty()));
            }
            for (Path tmp : store.temporaries()) {
                if (store.abandoned(tmp)) {
                    if (repair) {
                        Store.delete(tmp);
                    }
                    out.add(new Finding("directory", tmp.toString(), "a container directory never named", repair));
                }
            }
            for (Map.Entry<String, String> e : store.namesById().entrySet()) {
                if (!Files.isDirectory(store.dir(e.getKey()))) {
                    if (repair) {
                        store.releaseName(e.getValue(), e.getKey());
                    }
                    out.add(new Finding("name", e.getValue(), "points to container " + e.getKey() + ", which is gone",
                        repair));
                }
            }
            volumes(engine, repair, out);
        } catch (IOException e) {
            throw new EngineException.SystemFailure("cannot check " + store.root() + ": " + e.getMessage(), e);
        }
        return out;
    }

    private static boolean young(Path marker, long graceMillis) {
        try {
            return System.currentTimeMillis() - Files.getLastModifiedTime(marker).toMillis() < graceMillis;
        } catch (IOException e) {
            return false; // no marker: not a removal
        }
    }

    /**
     * Anonymous volumes whose container is gone, or was abandoned, and that no other container
     * uses: what a crash between a volume's creation and its container's record, or a removal
     * killed after its commit point, left. Removed with {@code repair} once the container is
     * gone (an abandoned one is repaired above, in the same call). Named volumes, and anonymous
     * ones a container let go of (rm without -v, as docker keeps them), have no container and
     * are never touched. Also the half-made directories of volumes ({@code .NAME}). Under the
     * volumes' lock, which every creation and use of a volume holds.
     */
    private static void volumes(Engine engine, boolean repair, List<Finding> out) throws IOException, EngineException {
        Volumes volumes = engine.volumes();
        VolumeStore vs = volumes.store();
        Store store = engine.store();
        try (var lock = vs.lock()) {
            Map<String, List<String>> users = volumes.users();
            for (String n : vs.names()) {
                String owner = vs.owner(n);
                if (owner == null || owner.isEmpty() || owner.startsWith(".") || owner.contains("/")) {
                    continue;
                }
                Path dir = store.dir(owner);
                boolean gone = !Files.isDirectory(dir);
                if (!gone && !store.abandoned(dir)) {
                    continue;
                }
                List<String> others = new ArrayList<>(users.getOrDefault(n, List.of()));
                others.remove(owner);
                if (!others.isEmpty()) {
                    continue; // another container mounts it (--volumes-from): it holds it now
                }
                boolean removed = repair && gone;
                if (removed) {
                    volumes.delete(n);
                }
                out.add(new Finding("volume", n, "anonymous volume of container "
                    + owner.substring(0, Math.min(12, owner.length())) + (gone ? ", which is gone" : ", which was abandoned"),
                    removed));
            }
            for (Path tmp : vs.temporaries()) {
                if (repair) {
                    dev.berth.image.Trees.delete(tmp);
                }
                out.add(new Finding("directory", tmp.toString(), "a volume directory half made or half deleted", repair));
            }
        }
    }

    /** What an abandoned container holds, for the report: ", holding the name x, a cgroup, ...". */
    private static String held(Engine engine, String id, Path dir, Store.Creator c) {
        List<String> held = new ArrayList<>();
        String name = engine.store().namesById().get(id);
        if (name != null) {
            held.add("the name " + name);
        }
        if (c != null && !c.cgroup().isEmpty() && cgroupExists(c.cgroup())) {
            held.add("the cgroup " + c.cgroup());
        }
        if (!mountsUnder(dir).isEmpty()) {
            held.add("mounts under its directory");
        }
        return held.isEmpty() ? "" : ", holding " + String.join(", ", held);
    }

    /**
     * Removes an abandoned container step by step, as a failed run's discard does; returns what
     * could not be removed (empty when all went).
     */
    private static List<String> repair(Engine engine, String id, Path dir) {
        Store store = engine.store();
        List<String> failed = new ArrayList<>();
        Store.Creator c = Store.creator(dir);
        try (var lock = store.lock(id)) {
            if (!store.abandoned(dir)) {
                return failed; // someone else finished or removed it
            }
            String name = store.namesById().get(id);
            if (name != null) {
                store.releaseName(name, id);
            }
            if (c != null && !c.cgroup().isEmpty()) {
                try {
                    var cg = Cgroups.detect().open(c.cgroup());
                    if (cg.exists()) {
                        // what is still in it was started for this container
                        if (!cg.pids().isEmpty() && !cg.kill()) {
                            for (long pid : cg.pids()) {
                                dev.berth.linux.LibC.kill(pid, 9);
                            }
                        }
                        cg.delete();
                    }
                } catch (CgroupException | dev.berth.linux.ErrnoException e) {
                    failed.add("cgroup " + c.cgroup() + ": " + e.getMessage());
                }
            }
            try {
                Pasta.release(store.root(), dir, id, null); // its namespace file, if pasta had one
                Networking.release(store.root(), id, true);
            } catch (EngineException | RuntimeException e) {
                failed.add("network: " + e.getMessage());
            }
            try {
                dev.berth.image.Snapshots.release(store.root(), id); // its hold on the image's layers
            } catch (IOException e) {
                failed.add("layers: " + e.getMessage());
            }
            for (String m : mountsUnder(dir)) {
                try {
                    Netns.unmount(Path.of(m));
                } catch (EngineException e) {
                    failed.add("mount " + m + ": " + e.getMessage());
                }
            }
        } catch (IOException e) {
            failed.add(e.getMessage());
        }
        if (failed.isEmpty()) {
            try {
                store.delete(id);
            } catch (IOException e) {
                failed.add("directory: " + e.getMessage());
            }
        }
        return failed;
    }

    private static boolean cgroupExists(String path) {
        try {
            return Cgroups.detect().open(path).exists();
        } catch (CgroupException | RuntimeException e) {
            return false;
        }
    }

    private static List<String> mountsUnder(Path dir) {
        List<String> out = new ArrayList<>();
        try {
            String prefix = dir.toRealPath() + "/";
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                String[] f = line.split(" ");
                String point = f.length > 4 ? Mountinfo.unescape(f[4]) : "";
                if (point.startsWith(prefix)) {
                    out.add(point);
                }
            }
        } catch (IOException e) {
            // no directory, or no mountinfo: nothing to report
        }
        return out.reversed(); // the last mounted first
    }
}
