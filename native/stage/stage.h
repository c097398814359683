/* Shared declarations of the stage. See protocol.h for the wire format and the sequence. */
#ifndef BERTH_STAGE_H
#define BERTH_STAGE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "protocol.h"

#define TEMP_FAILURE_RETRY_INT(expr)                                                               \
  ({                                                                                               \
    long _r;                                                                                       \
    do                                                                                             \
      _r = (long)(expr);                                                                           \
    while (_r == -1 && errno == EINTR);                                                            \
    _r;                                                                                            \
  })

struct record {
  uint16_t op;
  uint16_t flags;
  int argc;
  char **argv;
};

struct program {
  struct record *recs;
  size_t n;
};

#define MAX_JOINS 8
#define MAX_CGROUPS 16
#define MAX_PRESERVE_FDS 100

/* Everything the monitor and C1 need, gathered from the option records of the program. */
/* setgroups(2) is forbidden in our user namespace (its setgroups file says "deny") */
int groups_denied(void);

struct config {
  const char *state_dir;
  const char *log_file;
  int tty;
  unsigned short rows, cols;
  int keep_stdin;
  int njoins;
  int join_type[MAX_JOINS];
  int join_fd[MAX_JOINS];
  uint32_t join_step[MAX_JOINS];
  unsigned long new_flags;
  const char *uid_map, *gid_map;
  uint32_t uid_map_step, gid_map_step;
  const char *time_offsets;
  uint32_t time_step;
  int init;
  char **exit_command;
  int ephemeral;
  int npersist;
  const char *persist_kind[MAX_JOINS], *persist_path[MAX_JOINS];
  uint32_t persist_step[MAX_JOINS];
  int nremove;          /* OP_REMOVE_AT_EXIT */
  const char *remove_path[MAX_JOINS];
  const char *event_log;  /* OP_EVENT_LOG: path, then the die and oom lines and the oom counter file */
  const char *die_line, *oom_line, *oom_file;
  char **repeat_argv;   /* OP_REPEAT: run every repeat_ms (first after repeat_first_ms) */
  long repeat_first_ms, repeat_ms;
  int ncgroups;
  const char *cgroup_procs[MAX_CGROUPS];
  uint32_t cgroup_step[MAX_CGROUPS];
  int cgroup_else[MAX_CGROUPS]; /* RF_ELSE: written only when C1 was not started in its cgroup */
  int clone_cgroup_fd;  /* OP_CLONE_CGROUP: the v2 directory C1 starts in, or -1 */
  int in_cgroup;        /* set in C1 when it was started there */
  int detach;           /* OP_DETACH */
  int inherit_stdio;    /* OP_INHERIT_STDIO */
  int deny_setgroups;   /* OP_DENY_SETGROUPS */
  int preserve_fds;     /* OP_PRESERVE_FDS */
  const char *console_socket;
  const char *exec_fifo;
  int exec_fifo_fd;     /* O_PATH, opened by the monitor, inherited by C2 */
};

/* messages on the sync socket between the monitor and its children (SOCK_SEQPACKET) */
enum { S_MAPS = 1, S_MAPS_DONE, S_PID, S_READY, S_GO, S_ERROR, S_PTY, S_PAUSE, S_RESUME };

struct sync_msg {
  uint32_t type;
  uint32_t step;
  int32_t err;
  int32_t pid;
  char text[240];
};

/* the file descriptors C2 makes its stdio before the steps run (-1: /dev/null) */
struct stdio_fds {
  int in, out, err;
};

/* wire.c */
int read_full(int fd, void *buf, size_t n);
int write_full(int fd, const void *buf, size_t n);
int write_file(const char *path, const char *text);
int frame_read(int fd, uint8_t *type, char **payload, uint32_t *len);
int frame_write(int fd, uint8_t type, const void *payload, uint32_t len);
int frame_error(int fd, uint32_t step, int err, const char *text);
int program_parse(char *buf, uint32_t len, struct program *prog);
int sync_send(int fd, uint32_t type, uint32_t step, int err, int pid, const char *text);
int sync_send_fd(int fd, uint32_t type, int payload_fd);
int send_fd(int fd, const void *data, size_t len, int payload_fd);
int sync_recv(int fd, struct sync_msg *msg, int *received_fd);

/* clone.c: fork(), the child starting in the cgroup v2 directory cgroup_fd; -1 and errno
 * when the kernel cannot (the caller then forks and the child moves itself) */
pid_t fork_into_cgroup(int cgroup_fd);

/* child.c */
_Noreturn void run_c1(const struct config *cfg, const struct program *prog, int sync_fd,
                      struct stdio_fds io);
int mkdir_p(const char *path, mode_t mode);

/* tmpfs.c: OP_TMPFS, runc's tmpfs (the covered directory's mode; tmpcopyup); root: the
 * directory path is resolved in (RF_IN_ROOT), or -1 for a plain path */
int tmpfs_mount(int root, const char *path, unsigned long flags, const char *data, int copyup);

/* bind.c: OP_BIND, a bind mount that arrives with its flags (root: as for tmpfs_mount) */
int bind_step(int root, const struct record *r);
/* keyring.c: OP_SESSION_KEYRING */
int session_keyring(const struct record *r);
/* moveroot.c: OP_MOVE_ROOT, the root switched without pivot_root */
int move_root(const struct record *r);
/* MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC set on the mount at path (recursive: and below) */
int set_mount_flags(const char *path, unsigned long flags, int recursive);

/* inroot.c: paths resolved inside a root directory, never out of it (RF_IN_ROOT) */
#define IR_FOLLOW 1 /* a symlink in the last component is followed too (inside the root) */
#define IR_MKDIR 2  /* missing directories are made, the last one with mode */
#define FD_PATH_MAX 32
/* an O_PATH descriptor of path, resolved with root as "/" */
int in_root_open(int root, const char *path, int flags, mode_t mode);
/* the O_PATH descriptor of path's directory, resolved in root, and its last name */
int in_root_parent(int root, const char *path, char name[256]);
/* "/proc/self/fd/N": a path that leads to exactly what fd is */
const char *fd_path(int fd, char buf[FD_PATH_MAX]);

/* netlink.c: one F_NETLINK request of Java's before the start (-1: the monitor is stranded in the
 * container's network namespace), and the sockets closed at the start */
int netlink_frame(pid_t c2, const char *payload, uint32_t len);
void netlink_close(void);

/* nsid.c: RTM_NEWNSID for the network namespace behind path */
int set_nsid(const char *path, const char *id);

/* nsscan.c: answers one F_NSSCAN */
void ns_scan(const char *payload, uint32_t len);

/* launch.c: returns in the forked stage; the caller's process becomes argv, unless the runtime
 * server on `server` (NULL: none) runs the last nargs arguments */
void launch(char **argv, const char *server, int nargs);
/* client.c: the exit status the runtime server reports; -1: no server, -2: it declined */
int remote(const char *path, char **args, int nargs);
/* the launcher's caller's stdin, stdout and stderr, kept for OP_INHERIT_STDIO (-1: none) */
extern int caller_stdio[3];

/* warm.c: with BERTH_STAGE_WARM, keeps the cgroup migration lock warm until fd is readable */
void warm_until_readable(int fd);

/* seal.c: run the stage again from a view of its binary no container can write to */
int reexec_sealed(const char *self);
void resume_sealed(int argc, char **argv);

/* privs.c */
int set_caps(char **argv, int argc);
int load_seccomp(char **argv, int argc);
int set_rlimit(char **argv, int argc);

/* kill.c: answers one F_KILL */
void kill_procs(const char *payload, uint32_t len);

/* stage.c: the OP_REMOVE_AT_EXIT paths go (a mount detached, then the file unlinked) */
void remove_at_exit(const struct config *cfg);

/* monitor.c: -1 on failure, 1 when the engine removed the container itself (F_REMOVED), else 0 */
int monitor_loop(const struct config *cfg, pid_t pid, int sync_fd, int out_fd, int err_fd,
                 int in_fd, int master_fd, int listen_fd, int log_fd);

#endif
