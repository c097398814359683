package dev.berth.runtime.stage;

/**
 * Constants of the wire protocol with the C stage, mirrored from {@code native/stage/protocol.h}
 * (the sequence diagram is there). {@code ProtocolDriftTest} fails when the two disagree.
 */
public final class Protocol {
    private Protocol() {}

    public static final int MAGIC = 0x48545242;
    public static final int VERSION = 3;
    public static final int FRAME_MAX = 1 << 20;

    public static final byte F_HELLO = 'H';
    public static final byte F_PROGRAM = 'P';
    public static final byte F_GO = 'G';
    public static final byte F_STDIN = 'I';
    public static final byte F_STDIN_EOF = 'i';
    public static final byte F_RESIZE = 'W';
    public static final byte F_SIGNAL = 'K';
    public static final byte F_DETACH = 'D';
    public static final byte F_REMOVED = 'r';
    public static final byte F_ATTACH = 'A';
    public static final byte F_WAIT = 'T';
    public static final byte F_LOGPOS = 'L';
    public static final byte F_CREATED = 'C';
    public static final byte F_STARTED = 'S';
    public static final byte F_PAUSED = 'h';
    public static final byte F_ERROR = 'E';
    public static final byte F_STDOUT = 'O';
    public static final byte F_STDERR = 'R';
    public static final byte F_EXIT = 'X';
    public static final byte F_ACK = 'a';
    public static final byte F_NETLINK = 'N';
    public static final byte F_NSSCAN = 'Q';
    public static final byte F_KILL = 'k';
    public static final byte F_NSPROC = 'p';
    public static final byte F_NSFD = 'd';
    public static final byte F_NSPATH = 'f';
    public static final byte F_NSINFO = 'n';
    public static final byte F_NSCMD = 'c';
    public static final byte F_NSEND = 'e';

    public static final int NS_SCAN_PROCS = 1;
    public static final int NS_SCAN_FDS = 2;
    public static final int NS_SCAN_CMDLINE = 4;

    public static final int OP_STATE_DIR = 1;
    public static final int OP_LOG_FILE = 2;
    public static final int OP_TTY = 3;
    public static final int OP_STDIN = 4;
    public static final int OP_JOIN_NS = 5;
    public static final int OP_NEW_NS = 6;
    public static final int OP_UID_MAP = 7;
    public static final int OP_GID_MAP = 8;
    public static final int OP_TIME_OFFSETS = 9;
    public static final int OP_INIT = 10;
    public static final int OP_EXIT_COMMAND = 12;
    public static final int OP_EPHEMERAL = 13;
    public static final int OP_PERSIST_NS = 14;
    public static final int OP_CGROUP = 15;
    public static final int OP_DETACH = 16;
    public static final int OP_INHERIT_STDIO = 17;
    public static final int OP_PRESERVE_FDS = 18;
    public static final int OP_CONSOLE_SOCKET = 19;
    public static final int OP_EXEC_FIFO = 11;

    public static final int OP_MOUNT = 20;
    public static final int OP_MKDIR = 21;
    public static final int OP_SYMLINK = 22;
    public static final int OP_TOUCH = 23;
    public static final int OP_PIVOT_ROOT = 24;
    public static final int OP_CHDIR = 25;
    public static final int OP_HOSTNAME = 26;
    public static final int OP_REMOUNT_RO = 27;
    public static final int OP_PTY = 28;
    public static final int OP_SETGROUPS = 29;
    public static final int OP_SETGID = 30;
    public static final int OP_SETUID = 31;
    public static final int OP_UMASK = 32;
    public static final int OP_ENV = 33;
    public static final int OP_EXEC = 34;
    public static final int OP_DOMAINNAME = 35;
    public static final int OP_RMDIR = 36;
    public static final int OP_UNMOUNT = 37;
    public static final int OP_LINK_UP = 38;
    public static final int OP_NSID = 39;
    public static final int OP_CAPS = 40;
    public static final int OP_NO_NEW_PRIVS = 41;
    public static final int OP_SECCOMP = 42;
    public static final int OP_RLIMIT = 43;
    public static final int OP_WRITE = 44;
    public static final int OP_KEEP_CAPS = 45;
    public static final int OP_PERSONALITY = 46;
    public static final int OP_GO = 47;
    public static final int OP_MKNOD = 48;
    public static final int OP_PAUSE = 49;
    public static final int OP_DENY_SETGROUPS = 50;
    /** path, flags, data, "1" for tmpcopyup: runc's tmpfs (the covered directory's mode and, asked, content). */
    public static final int OP_TMPFS = 51;
    /** path: detached and unlinked by the monitor once the container is gone (a helper watches it). */
    public static final int OP_REMOVE_AT_EXIT = 52;
    public static final int OP_EVENT_LOG = 53;
    /** first delay ms, delay ms, argv: run by the monitor again and again while the container lives (healthchecks). */
    public static final int OP_REPEAT = 54;
    /** path: the container's root (already mounted there), which {@link #RF_IN_ROOT} paths are resolved in. */
    public static final int OP_ROOT = 55;
    /**
     * source, target, MS_BIND [| MS_REC], flags of the mount at target (MS_RDONLY, MS_NOSUID,
     * MS_NODEV, MS_NOEXEC), the same for every mount of the tree, propagation (with MS_REC for
     * every mount): a bind mount that arrives with its flags, made detached and then moved onto
     * the target found once (no second lookup a swapped link could redirect).
     */
    public static final int OP_BIND = 60;
    /**
     * name, hex permission mask, hex permission bits, errno ...: join the session keyring of that
     * name the process may search, else a new one; with a mask, its permissions then become
     * (theirs &amp; mask) | bits. A failure with a listed errno counts as done.
     */
    public static final int OP_SESSION_KEYRING = 61;
    /**
     * new root, fstype ...: pivot_root's work where it is refused (a root on the initramfs): the
     * mounts of those types that show a whole filesystem outside the new root detached (or
     * covered by a tmpfs), then the new root moved onto / and chrooted into.
     */
    public static final int OP_MOVE_ROOT = 62;
    /**
     * cgroup v2 directory: C1 is started in it (clone3 with CLONE_INTO_CGROUP), not moved there;
     * an {@link #OP_CGROUP} flagged {@link #RF_ELSE} after it moves C1 where the kernel cannot.
     */
    public static final int OP_CLONE_CGROUP = 70;

    public static final int RF_OPTIONAL = 1;
    public static final int RF_ELSE = 2;
    /** The record's target is a path inside the {@link #OP_ROOT} directory, resolved there and never out of it. */
    public static final int RF_IN_ROOT = 4;
    /** {@link #OP_MOUNT}, {@link #OP_BIND}: its source is such a path too. */
    public static final int RF_SOURCE_IN_ROOT = 8;

    public static final int STEP_PROTOCOL = 0xffff0001;
    public static final int STEP_FORK = 0xffff0002;
    public static final int STEP_MAPS = 0xffff0003;
    public static final int STEP_STDIO = 0xffff0004;
    public static final int STEP_MONITOR = 0xffff0005;
}
