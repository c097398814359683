package dev.berth.runtime.oci;

import java.util.ArrayList;
import java.util.List;

/**
 * A mount's {@code options}, sorted into what each kernel interface takes, the way runc sorts
 * them: mount(2) flags to set and to clear, propagation changes (each its own mount(2) call, in
 * order), mount_setattr(2) attributes applied recursively ({@code rro}, {@code rnosuid}, ...),
 * id-mapping and {@code tmpcopyup}; anything else is filesystem data, passed on joined by
 * commas. A later option overrides an earlier one of the same flag.
 *
 * @param flags MS_* to set
 * @param clearFlags MS_* the options explicitly clear ({@code rw}, {@code suid}, ...): what a
 *     remount of a bind mount must take away
 * @param propagation MS_SHARED, MS_SLAVE, MS_PRIVATE or MS_UNBINDABLE, with MS_REC for the r-forms
 * @param attrSet MOUNT_ATTR_* to set, with AT_RECURSIVE
 * @param attrClear MOUNT_ATTR_* to clear, with AT_RECURSIVE
 * @param idmap {@code idmap} or {@code ridmap} was given
 * @param idmapRecursive {@code ridmap}: the id-mapping also applies to submounts
 * @param tmpcopyup copy what the destination held into the new tmpfs (a runc extension)
 * @param data the filesystem's own options, such as "mode=755,size=65536k", or ""
 */
public record MountOptions(long flags, long clearFlags, List<Long> propagation, long attrSet,
    long attrClear, boolean idmap, boolean idmapRecursive, boolean tmpcopyup, String data) {

    public static final long MS_RDONLY = 1;
    public static final long MS_NOSUID = 2;
    public static final long MS_NODEV = 4;
    public static final long MS_NOEXEC = 8;
    public static final long MS_SYNCHRONOUS = 16;
    public static final long MS_REMOUNT = 32;
    public static final long MS_MANDLOCK = 64;
    public static final long MS_DIRSYNC = 128;
    public static final long MS_NOSYMFOLLOW = 256;
    public static final long MS_NOATIME = 1024;
    public static final long MS_NODIRATIME = 2048;
    public static final long MS_BIND = 4096;
    public static final long MS_REC = 16384;
    public static final long MS_SILENT = 32768;
    public static final long MS_UNBINDABLE = 1 << 17;
    public static final long MS_PRIVATE = 1 << 18;
    public static final long MS_SLAVE = 1 << 19;
    public static final long MS_SHARED = 1 << 20;
    public static final long MS_RELATIME = 1 << 21;
    public static final long MS_I_VERSION = 1 << 23;
    public static final long MS_STRICTATIME = 1 << 24;
    public static final long MS_LAZYTIME = 1 << 25;

    public static final long MOUNT_ATTR_RDONLY = 0x1;
    public static final long MOUNT_ATTR_NOSUID = 0x2;
    public static final long MOUNT_ATTR_NODEV = 0x4;
    public static final long MOUNT_ATTR_NOEXEC = 0x8;
    /** The atime mode is a 3-bit field, changed only as a whole. */
    public static final long MOUNT_ATTR__ATIME = 0x70;
    public static final long MOUNT_ATTR_RELATIME = 0x0;
    public static final long MOUNT_ATTR_NOATIME = 0x10;
    public static final long MOUNT_ATTR_STRICTATIME = 0x20;
    public static final long MOUNT_ATTR_NODIRATIME = 0x80;
    public static final long MOUNT_ATTR_NOSYMFOLLOW = 0x200000;

    private static final int SET = 0;
    private static final int CLEAR = 1;
    private static final int PROPAGATION = 2;
    private static final int ATTR_SET = 3;
    private static final int ATTR_CLEAR = 4;
    private static final int IDMAP = 5;
    private static final int RIDMAP = 6;
    private static final int TMPCOPYUP = 7;
    private static final int NOTHING = 8;

    /** Option names, each with what it does ({@link #KINDS}) and its flag ({@link #BITS}). */
    private static final String[] NAMES = {
        "async", "atime", "bind", "defaults", "dev", "diratime", "dirsync", "exec", "iversion",
        "lazytime", "loud", "mand", "noatime", "nodev", "nodiratime", "noexec", "noiversion",
        "nolazytime", "nomand", "norelatime", "nostrictatime", "nosuid", "nosymfollow", "rbind",
        "relatime", "remount", "ro", "rw", "silent", "strictatime", "suid", "symfollow", "sync",
        "private", "rprivate", "shared", "rshared", "slave", "rslave", "unbindable", "runbindable",
        "rro", "rrw", "rnosuid", "rsuid", "rnodev", "rdev", "rnoexec", "rexec", "rnodiratime",
        "rdiratime", "rrelatime", "rnorelatime", "rnoatime", "ratime", "rstrictatime",
        "rnostrictatime", "rnosymfollow", "rsymfollow", "idmap", "ridmap", "tmpcopyup"};
    private static final int[] KINDS = {
        CLEAR, CLEAR, SET, NOTHING, CLEAR, CLEAR, SET, CLEAR, SET,
        SET, CLEAR, SET, SET, SET, SET, SET, CLEAR,
        CLEAR, CLEAR, CLEAR, CLEAR, SET, SET, SET,
        SET, SET, SET, CLEAR, SET, SET, CLEAR, CLEAR, SET,
        PROPAGATION, PROPAGATION, PROPAGATION, PROPAGATION, PROPAGATION, PROPAGATION, PROPAGATION,
        PROPAGATION,
        ATTR_SET, ATTR_CLEAR, ATTR_SET, ATTR_CLEAR, ATTR_SET, ATTR_CLEAR, ATTR_SET, ATTR_CLEAR,
        ATTR_SET, ATTR_CLEAR, ATTR_SET, ATTR_CLEAR, ATTR_SET, ATTR_CLEAR, ATTR_SET,
        ATTR_CLEAR, ATTR_SET, ATTR_CLEAR, IDMAP, RIDMAP, TMPCOPYUP};
    private static final long[] BITS = {
        MS_SYNCHRONOUS, MS_NOATIME, MS_BIND, 0, MS_NODEV, MS_NODIRATIME, MS_DIRSYNC, MS_NOEXEC,
        MS_I_VERSION, MS_LAZYTIME, MS_SILENT, MS_MANDLOCK, MS_NOATIME, MS_NODEV, MS_NODIRATIME,
        MS_NOEXEC, MS_I_VERSION, MS_LAZYTIME, MS_MANDLOCK, MS_RELATIME, MS_STRICTATIME,
        MS_NOSUID, MS_NOSYMFOLLOW, MS_BIND | MS_REC, MS_RELATIME, MS_REMOUNT, MS_RDONLY,
        MS_RDONLY, MS_SILENT, MS_STRICTATIME, MS_NOSUID, MS_NOSYMFOLLOW, MS_SYNCHRONOUS,
        MS_PRIVATE, MS_PRIVATE | MS_REC, MS_SHARED, MS_SHARED | MS_REC, MS_SLAVE,
        MS_SLAVE | MS_REC, MS_UNBINDABLE, MS_UNBINDABLE | MS_REC,
        MOUNT_ATTR_RDONLY, MOUNT_ATTR_RDONLY, MOUNT_ATTR_NOSUID, MOUNT_ATTR_NOSUID,
        MOUNT_ATTR_NODEV, MOUNT_ATTR_NODEV, MOUNT_ATTR_NOEXEC, MOUNT_ATTR_NOEXEC,
        MOUNT_ATTR_NODIRATIME, MOUNT_ATTR_NODIRATIME, MOUNT_ATTR_RELATIME, MOUNT_ATTR_RELATIME,
        MOUNT_ATTR_NOATIME, MOUNT_ATTR_NOATIME, MOUNT_ATTR_STRICTATIME, MOUNT_ATTR_STRICTATIME,
        MOUNT_ATTR_NOSYMFOLLOW, MOUNT_ATTR_NOSYMFOLLOW, 0, 0, 0};

    public MountOptions {
        propagation = List.copyOf(propagation);
    }

    /** Sorts {@code options}; never fails, since an unknown option is filesystem data. */
    public static MountOptions parse(List<String> options) {
        long flags = 0;
        long clear = 0;
        long attrSet = 0;
        long attrClear = 0;
        boolean idmap = false;
        boolean idmapRecursive = false;
        boolean copyUp = false;
        List<Long> propagation = new ArrayList<>(1);
        StringBuilder data = new StringBuilder();
        for (String o : options) {
            int i = index(o);
            int kind = i < 0 ? -1 : KINDS[i];
            long bit = i < 0 ? 0 : BITS[i];
            if (kind == SET) {
                flags |= bit;
                clear &= ~bit;
            } else if (kind == CLEAR) {
                flags &= ~bit;
                clear |= bit;
            } else if (kind == PROPAGATION) {
                propagation.add(bit);
            } else if (kind == ATTR_SET || kind == ATTR_CLEAR) {
                if (isAtime(o)) {
                    // the kernel takes an atime change only as the whole field: clear all three
                    // bits, set the chosen mode. Undoing noatime or strictatime means the
                    // kernel's default, relatime; "not relatime" names no mode and changes nothing
                    // (runc sends the bits alone, which mount_setattr refuses with EINVAL)
                    if (kind == ATTR_SET || bit != MOUNT_ATTR_RELATIME) {
                        attrSet &= ~MOUNT_ATTR__ATIME;
                        attrSet |= kind == ATTR_SET ? bit : MOUNT_ATTR_RELATIME;
                        attrClear |= MOUNT_ATTR__ATIME;
                    }
                } else if (kind == ATTR_SET) {
                    attrSet |= bit;
                    attrClear &= ~bit;
                } else {
                    attrClear |= bit;
                    attrSet &= ~bit;
                }
            } else if (kind == IDMAP || kind == RIDMAP) {
                idmap = true;
                idmapRecursive = kind == RIDMAP;
            } else if (kind == TMPCOPYUP) {
                copyUp = true;
            } else if (kind != NOTHING) {
                if (!data.isEmpty()) {
                    data.append(',');
                }
                data.append(o);
            }
        }
        return new MountOptions(flags, clear, propagation, attrSet, attrClear, idmap,
            idmapRecursive, copyUp, data.toString());
    }

    /** Every option name this parser knows, sorted: the features document's mountOptions. */
    public static List<String> known() {
        List<String> names = new ArrayList<>(List.of(NAMES));
        names.sort(null);
        return names;
    }

    /** True when {@code option} is one of the names above, false when it is filesystem data. */
    public static boolean isKnown(String option) {
        return index(option) >= 0;
    }

    /** True for {@code bind} and {@code rbind}: the mount is a bind mount of its source. */
    public boolean isBind() {
        return (flags & MS_BIND) != 0;
    }

    private static boolean isAtime(String option) {
        return option.endsWith("atime") && !option.endsWith("diratime");
    }

    private static int index(String option) {
        for (int i = 0; i < NAMES.length; i++) {
            if (NAMES[i].equals(option)) {
                return i;
            }
        }
        return -1;
    }
}
