/*
 * The wire protocol between Java and the stage. Java mirrors every constant in
 * dev.berth.runtime.stage.Protocol; StageProtocolTest reads this file and fails on any drift.
 *
 *   Java (berth)                      stage = monitor M          C1 (joins, unshare)   C2 (init)
 *   ---- spawn (stdin/stdout pipes) -->|
 *   ---- F_HELLO(magic,version,[log]) >|   log: a path for the stage's own stderr
 *   <--- F_HELLO(magic,version,pid) ---|
 *   ---- F_PROGRAM(records) ---------->|
 *                                      |-- fork ------------->|
 *                                      |                      | setns(joins), unshare(new)
 *                                      |<-- S_MAPS -----------| (new user namespace only)
 *                                      | write uid_map/gid_map|
 *                                      |--- S_MAPS_DONE ----->| setresuid(0), timens offsets
 *                                      |                      |-- fork --------------->|
 *                                      |<-- S_PID(C2) --------| exit                   |
 *                                      |<------------------------------- S_READY ------| steps 0..n
 *   <--- F_CREATED(pid) ---------------|                                               |
 *   ---- F_GO ------------------------>|------------------------------- S_GO -------->|
 *                                      |<------- EOF on the CLOEXEC sync socket --------| execve
 *   <--- F_STARTED --------------------|
 *   <--- F_STDOUT / F_STDERR ----------|   (and log file, and attached ctl clients)
 *   ---- F_STDIN / F_STDIN_EOF / F_RESIZE / F_SIGNAL / F_DETACH -->|
 *   <--- F_EXIT(raw wait status) ------|   exit file written first (temp+fsync+rename)
 *   ---- F_REMOVED or EOF ------------>|   with OP_EXIT_COMMAND: EOF runs it, F_REMOVED does not
 *
 * Any failure: F_ERROR {u32 step, u32 errno, text}; step is the record index in the program, or
 * one of the STEP_* pseudo indexes below. The monitor then kills what it created and exits 1.
 *
 * Frames: u8 type, u32 little-endian payload length, payload (at most FRAME_MAX bytes).
 * Program records: u16 op, u16 flags, u32 length, then `length` bytes of NUL-terminated strings.
 */
#ifndef BERTH_PROTOCOL_H
#define BERTH_PROTOCOL_H

#define PROTO_MAGIC 0x48545242u /* "BRTH" little-endian */
#define PROTO_VERSION 3u
#define FRAME_MAX (1u << 20)

/* frames, Java -> stage */
#define F_HELLO 'H'
#define F_PROGRAM 'P'
#define F_GO 'G'
#define F_STDIN 'I'
#define F_STDIN_EOF 'i'
#define F_RESIZE 'W' /* u16 rows, u16 cols */
#define F_SIGNAL 'K' /* u32 signal */
#define F_DETACH 'D'
#define F_ATTACH 'A' /* ctl socket only: stream output and exit to this client */
#define F_WAIT 'T'   /* ctl socket only: send F_EXIT to this client when the container exits */
#define F_REMOVED 'r' /* after F_EXIT: the engine removed the container, skip OP_EXIT_COMMAND */
#define F_LOGPOS 'L'  /* asks for the log's size; answered to this client alone with F_LOGPOS
                       * (i64 bytes, -1 without a log) in line with its output frames: every
                       * output frame before the answer is in the log below that size, every
                       * one after it beyond (the monitor logs a chunk before it sends it) */

#define F_NETLINK 'N' /* protocol 3; between F_CREATED and F_GO: u8 where (0: the monitor's network namespace,
                       * 1: the container's), u8 op (0: send, 1: receive, 2: both, 3: the namespace's
                       * cookie), u16 protocol, then the datagram to send; answered with F_NETLINK: i32
                       * bytes sent, or the received datagram's whole length, or 8, or -errno, then the
                       * datagram or the u64 cookie (see netlink.c) */

#define F_NSSCAN 'Q'  /* instead of F_PROGRAM: u32 flags, then paths; see nsscan.c */
#define F_KILL 'k'    /* instead of F_PROGRAM: u32 signal, then {u32 pid, u64 start time} ...;
                       * a process whose start time (stat field 22) differs is skipped as gone */

/* F_NSSCAN flags */
#define NS_SCAN_PROCS 1u /* every process's /proc/PID/ns */
#define NS_SCAN_FDS 2u   /* and every open fd that holds a namespace */
#define NS_SCAN_CMDLINE 4u /* and every process's command line */

/* frames, stage -> Java */
#define F_CREATED 'C' /* u32 host pid of the container's first process */
#define F_STARTED 'S'
#define F_PAUSED 'h' /* u32 host pid: the process waits at OP_PAUSE until F_GO */
#define F_ERROR 'E' /* u32 step, u32 errno, text */
#define F_STDOUT 'O'
#define F_STDERR 'R'
#define F_EXIT 'X' /* i32 raw wait status */
#define F_ACK 'a'
#define F_NSPROC 'p'
#define F_NSFD 'd'
#define F_NSPATH 'f'
#define F_NSINFO 'n'
#define F_NSCMD 'c'
#define F_NSEND 'e'

/* program records: options for the monitor and C1 */
#define OP_STATE_DIR 1  /* dir: chdir there, create ctl.sock, write the exit file */
#define OP_LOG_FILE 2   /* path: append container output, CRI log format */
#define OP_TTY 3        /* rows, cols: the container gets a pty (see OP_PTY) */
#define OP_STDIN 4      /* keep stdin open (docker -i) */
#define OP_JOIN_NS 5    /* kind ("user", "net", ...), path: setns in C1, user first */
#define OP_NEW_NS 6     /* decimal CLONE_NEW* flags: unshare in C1 */
#define OP_UID_MAP 7    /* uid_map text, written by the monitor */
#define OP_GID_MAP 8    /* gid_map text, written by the monitor */
#define OP_TIME_OFFSETS 9 /* timens_offsets text, written by C1 */
#define OP_INIT 10      /* C2 stays as a reaper and runs the command as its child */
#define OP_EXIT_COMMAND 12 /* argv ...: run after the exit file is written (removes --rm containers) */
#define OP_EPHEMERAL 13 /* removed once it exits (--rm): its exit file is not fsync'd */
#define OP_PERSIST_NS 14 /* kind, path: the monitor binds /proc/C2/ns/KIND onto path (created) once set up */
#define OP_CGROUP 15    /* cgroup.procs path: C1 moves itself there before it joins or creates namespaces */
#define OP_DETACH 16    /* no monitor after the start: the process is left to our parent's subreaper */
#define OP_INHERIT_STDIO 17 /* the process gets the launcher's caller's stdin/out/err, not pipes */
#define OP_PRESERVE_FDS 18  /* count: the caller's fds 3..3+count-1 reach the process */
#define OP_CONSOLE_SOCKET 19 /* unix socket path: the pty master is sent there (SCM_RIGHTS), not kept */
#define OP_EXEC_FIFO 11 /* fifo path (made here, 0622): at OP_GO the process waits for a reader of it
                         * (`start`), not for F_GO */

/* program records: steps C2 runs in order, before it reports S_READY */
#define OP_MOUNT 20     /* source, target, fstype, decimal flags, data */
#define OP_MKDIR 21     /* path, octal mode (parents are created too) */
#define OP_SYMLINK 22   /* target, linkpath */
#define OP_TOUCH 23     /* path: create an empty file for a bind mount target */
#define OP_PIVOT_ROOT 24 /* new root: pivot_root(".", ".") and detach the old root */
#define OP_CHDIR 25     /* path */
#define OP_HOSTNAME 26  /* name */
#define OP_REMOUNT_RO 27 /* path, decimal extra flags (MS_REC: submounts too): bind remount read-only */
#define OP_PTY 28       /* console path: open the container's /dev/ptmx, make it the ctty */
#define OP_SETGROUPS 29 /* decimal gids */
#define OP_SETGID 30    /* gid */
#define OP_SETUID 31    /* uid */
#define OP_UMASK 32     /* octal */
#define OP_ENV 33       /* NAME=value ... for execve */
#define OP_EXEC 34      /* argv ...: execve, searching PATH from OP_ENV when argv[0] has no '/' */
#define OP_DOMAINNAME 35 /* name */
#define OP_RMDIR 36     /* path */
#define OP_UNMOUNT 37   /* path (detached) */
#define OP_LINK_UP 38   /* interface name: set it up (lo in a new network namespace) */
#define OP_NSID 39      /* netns file, id: RTM_NEWNSID, the id of that network namespace in ours */
#define OP_CAPS 40      /* hex masks: bounding, effective, permitted, inheritable, ambient */
#define OP_NO_NEW_PRIVS 41
#define OP_SECCOMP 42   /* hex sock_filter array, decimal SECCOMP_FILTER_FLAG_* */
#define OP_RLIMIT 43    /* decimal resource, soft, hard (-1: unlimited) */
#define OP_WRITE 44     /* path, text: write to an existing file (sysctls, oom_score_adj) */
#define OP_KEEP_CAPS 45 /* keep the permitted capabilities across the coming setuid */
#define OP_PERSONALITY 46 /* decimal persona */
#define OP_GO 47        /* report ready and wait for the start here (default: just before the exec) */
#define OP_MKNOD 48     /* path, type (c, b or p), octal mode, major, minor, uid, gid */
#define OP_DENY_SETGROUPS 50 /* option: "deny" into the new user namespace's setgroups before gid_map,
                               * as an unprivileged caller must; setgroups(2) then fails there */
#define OP_PAUSE 49      /* report F_PAUSED(host pid) and wait for F_GO: the engine acts at this point
                         * of the set-up (OCI hooks) while the process waits */
#define OP_TMPFS 51      /* path, decimal mount flags, data, "1" to copy the covered directory in
                         * (runc's tmpcopyup); the top takes the covered directory's mode */
#define OP_REMOVE_AT_EXIT 52 /* option, path: once the container is gone (exit file written, or its
                              * set-up abandoned) the monitor detaches a mount there and unlinks it:
                              * a namespace kept for a helper that quits when the file goes (pasta) */
#define OP_EVENT_LOG 53 /* option, log path, die line, oom line, oom counter file: once the container
                         * exits (before the exit file) the monitor appends the die line (O_APPEND,
                         * one write), preceded by the oom line when the counter file (memory.events)
                         * has a nonzero oom_kill. In a line, byte 1 becomes the exit code, 2 the
                         * time in seconds, 3 in nanoseconds; JSON never holds these bytes raw */
#define OP_REPEAT 54    /* first delay ms, delay ms, argv ...: while the container runs the monitor runs
                         * argv (stdin /dev/null, stdout a pipe, stderr its own, a session of its own)
                         * after the first delay, then again each time the delay after the last run
                         * ended: never two at once. A run whose stdout is a decimal number of ms
                         * sets the next delay to it. A run still going when the container exits is
                         * killed (its process group, SIGKILL). Healthchecks: berth healthcheck run */

#define OP_ROOT 55 /* path: open the directory there (already mounted) as the root that RF_IN_ROOT
                    * paths of the records after it are resolved in */

#define OP_BIND 60 /* source, target, decimal MS_BIND [| MS_REC], decimal MS_RDONLY|MS_NOSUID|MS_NODEV|
                    * MS_NOEXEC for the mount at target, the same for every mount of the tree,
                    * decimal propagation (MS_SHARED, MS_SLAVE, MS_PRIVATE or MS_UNBINDABLE, with
                    * MS_REC for every mount): a bind that arrives with its flags; RF_IN_ROOT and
                    * RF_SOURCE_IN_ROOT as for OP_MOUNT (see bind.c) */

#define OP_SESSION_KEYRING 61 /* name, hex permission mask, hex permission bits, decimal errno ...:
                               * keyctl(KEYCTL_JOIN_SESSION_KEYRING, name), which joins the keyring
                               * of that name the process may search, else makes one; with a mask,
                               * its permissions then become (theirs & mask) | bits. A failure with
                               * one of the listed errnos counts as done (see keyring.c) */
#define OP_MOVE_ROOT 62 /* new root, fstype ...: what pivot_root does, for a root pivot_root refuses
                         * (one on the initramfs): every mount of a listed type that shows its whole
                         * filesystem and is outside the new root is made rslave and detached (covered
                         * by a tmpfs where that is refused); then the new root is moved onto / and
                         * chrooted into (see moveroot.c) */
#define OP_CLONE_CGROUP 70 /* cgroup v2 directory: the monitor starts C1 in it (clone3 with
                            * CLONE_INTO_CGROUP), which takes the kernel's migration lock only for
                            * reading; an OP_CGROUP flagged RF_ELSE after it is the way when the
                            * kernel cannot (before 5.7, clone3 filtered out) */

/* record flags */
#define RF_OPTIONAL 1u /* a failure is ignored */
#define RF_ELSE 2u     /* run only if the previous record failed */
#define RF_IN_ROOT 4u  /* the record's target (OP_MOUNT, OP_BIND, OP_MKDIR, OP_SYMLINK's link, OP_TOUCH,
                        * OP_REMOUNT_RO, OP_MKNOD, OP_TMPFS) is a path inside the OP_ROOT directory:
                        * resolved there with no symlink or ".." leading out, and acted on through
                        * the descriptor found (see inroot.c) */
#define RF_SOURCE_IN_ROOT 8u /* OP_MOUNT, OP_BIND: the source is such a path too */

/* pseudo step indexes for failures outside a program record */
#define STEP_PROTOCOL 0xffff0001u
#define STEP_FORK 0xffff0002u
#define STEP_MAPS 0xffff0003u
#define STEP_STDIO 0xffff0004u
#define STEP_MONITOR 0xffff0005u

#endif
