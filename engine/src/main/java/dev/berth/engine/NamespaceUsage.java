package dev.berth.engine;

import dev.berth.engine.NamespaceView.Namespace;
import dev.berth.linux.NsKind;
import dev.berth.linux.Procs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * How many namespaces each user has, next to {@code /proc/sys/user/max_*_namespaces}, counted
 * the way the kernel charges them (its ucounts, {@code kernel/ucount.c}). A new namespace is
 * charged to the creator's euid in the user namespace that owns it, and again at every level
 * above: there to the owner of the user namespace below. The limits berth reads are those of
 * its own user namespace ({@code self}), so each namespace is charged at that level to:
 *
 * <ul>
 * <li>the owner uid of the user namespace under {@code self} it descends from, when it is owned
 *     deeper down: exact ({@code NS_GET_OWNER_UID});
 * <li>for a user namespace whose parent is {@code self}, its own owner uid: exact;
 * <li>for another kind owned by {@code self} itself, the euid of its creator, which the kernel
 *     does not tell: berth counts the uid of its lowest process instead ({@code estimated}; a
 *     process that changed uid after unshare is counted under its new uid), or an unknown user
 *     when no process is in it.
 * </ul>
 *
 * The kernel's initial namespaces are charged to nobody, and namespaces owned outside
 * {@code self} are not charged at its level. Namespaces nothing visible holds (one kept only by
 * a socket, or in a mount namespace berth cannot read) are missed: the counts are a lower bound.
 */
public final class NamespaceUsage {
    /** One user's namespaces of a kind; uid -1 when no process tells who made them. */
    public record User(int uid, String name, int inUse, int estimated) {}

    /**
     * One kind: its limit (-1 when the kernel has no such file), every namespace of the kind
     * found, those the kernel made at boot, those owned outside berth's user namespace, and the
     * rest by the user they are charged to.
     */
    public record Kind(NsKind kind, long limit, int found, int initial, int outside, List<User> users) {}

    private NamespaceUsage() {}

    /** The usage of every kind, in {@link NsKind} order, at the level of the user namespace {@code self}. */
    public static List<Kind> of(NamespaceView view, long self) {
        Map<NsKind, int[]> totals = new EnumMap<>(NsKind.class); // found, initial, outside
        Map<NsKind, Map<Integer, int[]>> byUser = new EnumMap<>(NsKind.class); // uid -> inUse, estimated
        for (NsKind k : NsKind.values()) {
            totals.put(k, new int[3]);
            byUser.put(k, new TreeMap<>());
        }
        for (Namespace n : view.all()) {
            int[] t = totals.get(n.kind());
            t[0]++;
            if (view.initial(n.inode())) {
                t[1]++;
                continue;
            }
            long level = n.kind() == NsKind.USER ? n.parent() : n.owner();
            int uid;
            boolean exact;
            if (level == self && level != 0) {
                exact = n.kind() == NsKind.USER;
                uid = exact ? n.ownerUid() : n.uid();
            } else {
                Namespace below = underSelf(view, level, self);
                if (below == null) {
                    t[2]++;
                    continue;
                }
                exact = true;
                uid = below.ownerUid();
            }
            int[] u = byUser.get(n.kind()).computeIfAbsent(uid, x -> new int[2]);
            u[0]++;
            u[1] += exact ? 0 : 1;
        }
        Map<Integer, String> names = Users.names(Path.of("/etc"));
        List<Kind> out = new ArrayList<>();
        for (NsKind k : NsKind.values()) {
            List<User> users = new ArrayList<>();
            for (Map.Entry<Integer, int[]> e : byUser.get(k).entrySet()) {
                int uid = e.getKey();
                users.add(new User(uid, uid < 0 ? "" : names.getOrDefault(uid, Integer.toString(uid)),
                    e.getValue()[0], e.getValue()[1]));
            }
            int[] t = totals.get(k);
            out.add(new Kind(k, limit(k), t[0], t[1], t[2], users));
        }
        return out;
    }

    /**
     * The user namespace whose parent is {@code self} on the way up from {@code userns}; null
     * when the chain does not reach {@code self} (owned outside, or not visible).
     */
    private static Namespace underSelf(NamespaceView view, long userns, long self) {
        Namespace u = view.get(userns);
        for (int depth = 0; u != null && depth < 40; depth++) { // the kernel nests at most 32 deep
            if (u.parent() == self) {
                return u;
            }
            u = u.parent() == 0 ? null : view.get(u.parent());
        }
        return null;
    }

    /** {@code /proc/sys/user/max_KIND_namespaces}, -1 when this kernel has none. */
    private static long limit(NsKind k) {
        Path file = Path.of("/proc/sys/user/max_" + k.procName() + "_namespaces");
        if (!Files.isReadable(file)) {
            return -1;
        }
        try {
            return Long.parseLong(Procs.sysctl(file).strip());
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }
}
