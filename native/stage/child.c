/*
 * C1 and C2: the two children of the monitor.
 *
 * C1 exists because setns(CLONE_NEWPID) and unshare(CLONE_NEWPID|CLONE_NEWTIME) only move the
 * *children* of the caller: C1 joins and unshares, then forks C2, which is the first process in
 * the new PID namespace. C1 reports C2's pid and exits; the monitor is a subreaper, so C2
 * becomes the monitor's child.
 *
 * C2 runs the step records in order (mounts, pivot_root, hostname, ids), reports S_READY, waits
 * for S_GO and execs. The sync socket is close-on-exec: EOF on it tells the monitor the exec
 * succeeded; a failed exec is reported as an error message instead.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "stage.h"

static int sync_fd = -1;

_Noreturn static void fail(uint32_t step, const char *what) {
  int err = errno;
  /* after a detached start nobody reads the sync socket: the caller's stderr is all there is */
  if (sync_send(sync_fd, S_ERROR, step, err, 0, what) < 0)
    dprintf(2, "berth: %s: %s\n", what, strerror(err));
  _exit(err == ENOENT ? 127 : err == EACCES ? 126 : 1);
}

int mkdir_p(const char *path, mode_t mode) {
  char buf[PATH_MAX];
  if (strlen(path) >= sizeof buf) {
    errno = ENAMETOOLONG;
    return -1;
  }
  strcpy(buf, path);
  for (char *p = buf + 1; *p; p++) {
    if (*p != '/')
      continue;
    *p = '\0';
    if (mkdir(buf, 0755) < 0 && errno != EEXIST)
      return -1;
    *p = '/';
  }
  if (mkdir(buf, mode) < 0 && errno != EEXIST)
    return -1;
  return 0;
}

static unsigned long num(const char *s) { return strtoul(s, NULL, 0); }

static const char *opt(const struct record *r, int i) {
  return i < r->argc && r->argv[i][0] != '\0' ? r->argv[i] : NULL;
}

/* Read-only bind remount; with MS_REC in extra every submount too */
static int remount_ro(const char *path, unsigned long extra) {
  return set_mount_flags(path, MS_RDONLY | (extra & ~(unsigned long)MS_REC), (extra & MS_REC) != 0);
}

static int pivot(const char *root) {
  if (chdir(root) < 0)
    return -1;
  /* pivot_root(".", ".") stacks the old root on top of the new one; detaching it leaves only
   * the new root, with no directory for the old one inside the container */
  if (syscall(SYS_pivot_root, ".", ".") < 0)
    return -1;
  if (umount2(".", MNT_DETACH) < 0)
    return -1;
  return chdir("/");
}

static int open_pty(const char *console) {
  int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0)
    return -1;
  char name[64];
  if (unlockpt(master) < 0 || ptsname_r(master, name, sizeof name) != 0)
    return -1;
  int slave = open(name, O_RDWR | O_NOCTTY);
  if (slave < 0)
    return -1;
  if (ioctl(slave, TIOCSCTTY, 0) < 0)
    return -1;
  for (int fd = 0; fd < 3; fd++)
    if (dup2(slave, fd) < 0)
      return -1;
  if (slave > 2)
    close(slave);
  if (console != NULL) {
    int fd = open(console, O_CREAT | O_RDONLY | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd >= 0)
      close(fd);
    if (mount(name, console, NULL, MS_BIND, NULL) < 0)
      return -1;
  }
  if (sync_send_fd(sync_fd, S_PTY, master) < 0)
    return -1;
  close(master);
  return 0;
}

static int link_up(const char *name) {
  struct ifreq ifr = {0};
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return -1;
  strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
  int rc = ioctl(fd, SIOCGIFFLAGS, &ifr);
  if (rc == 0) {
    ifr.ifr_flags |= IFF_UP;
    rc = ioctl(fd, SIOCSIFFLAGS, &ifr);
  }
  int saved = errno;
  close(fd);
  errno = saved;
  return rc;
}

/* mknod, then chmod and chown: a device node as the spec asks for it (an existing file is fine).
 * in: the record's path is inside the root; the node is made in the directory found there,
 * and its mode and owner set through a descriptor of it, never by following its name. */
static int make_node(const struct record *r, int root) {
  if (r->argc < 7) {
    errno = EINVAL;
    return -1;
  }
  char t = r->argv[1][0];
  mode_t type = t == 'b' ? S_IFBLK : t == 'p' ? S_IFIFO : S_IFCHR;
  mode_t mode = (mode_t)strtoul(r->argv[2], NULL, 8) & 07777;
  dev_t dev = makedev((unsigned)num(r->argv[3]), (unsigned)num(r->argv[4]));
  uid_t uid = (uid_t)num(r->argv[5]);
  gid_t gid = (gid_t)num(r->argv[6]);
  if (root < 0) {
    if (mknod(r->argv[0], type | mode, dev) < 0 && errno != EEXIST)
      return -1;
    if (chmod(r->argv[0], mode) < 0) /* mknod is subject to the umask */
      return -1;
    return chown(r->argv[0], uid, gid);
  }
  char name[256], buf[FD_PATH_MAX];
  int dir = in_root_parent(root, r->argv[0], name);
  if (dir < 0)
    return -1;
  int fd = -1, rc = -1;
  struct stat st;
  if ((mknodat(dir, name, type | mode, dev) == 0 || errno == EEXIST) &&
      (fd = openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC)) >= 0 && fstat(fd, &st) == 0) {
    if (S_ISLNK(st.st_mode))
      errno = ELOOP; /* a link where the node goes: following it could chmod anything */
    else if (chmod(fd_path(fd, buf), mode) == 0)
      rc = fchownat(fd, "", uid, gid, AT_EMPTY_PATH);
  }
  int err = errno;
  if (fd >= 0)
    close(fd);
  close(dir);
  errno = err;
  return rc;
}

int groups_denied(void) {
  char buf[8] = {0};
  int fd = open("/proc/self/setgroups", O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return 0;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  return n >= 4 && strncmp(buf, "deny", 4) == 0;
}

/* Dropping every supplementary group where the kernel forbids setgroups (an unprivileged user
 * namespace) is a no-op, as with unshare -r: the caller's groups stay, unmapped. */
static int set_groups(const struct record *r) {
  /* as many as given: a zeroed NGROUPS_MAX array on the stack cost ~0.1 ms of page faults. The
   * usual few stay on the stack (no malloc after a seccomp filter that may refuse brk) */
  gid_t few[64];
  int n = r->argc < NGROUPS_MAX ? r->argc : NGROUPS_MAX;
  gid_t *gids = n <= 64 ? few : calloc((size_t)n, sizeof *gids);
  if (gids == NULL)
    return -1;
  for (int i = 0; i < n; i++)
    gids[i] = (gid_t)num(r->argv[i]);
  int rc = setgroups((size_t)n, gids);
  if (gids != few)
    free(gids);
  if (rc == 0)
    return 0;
  return n == 0 && errno == EPERM && groups_denied() ? 0 : -1;
}

/* The root RF_IN_ROOT paths are resolved in (OP_ROOT), O_PATH; close-on-exec like every fd
 * of ours, so the command never gets it. */
static int root_fd = -1;

static int close_keeping_errno(int fd, int rc) {
  int err = errno;
  if (fd >= 0)
    close(fd);
  errno = err;
  return rc;
}

/* OP_MOUNT; in the root, onto the descriptor of its target (and from that of its source) */
static int mount_step(const struct record *r) {
  const char *src = opt(r, 0), *target = r->argv[1];
  unsigned long flags = r->argc > 3 ? num(r->argv[3]) : 0;
  char sbuf[FD_PATH_MAX], tbuf[FD_PATH_MAX];
  int sfd = -1, tfd = -1;
  if ((r->flags & RF_SOURCE_IN_ROOT) && src != NULL) {
    if ((sfd = in_root_open(root_fd, src, IR_FOLLOW, 0)) < 0)
      return -1;
    src = fd_path(sfd, sbuf);
  }
  if (r->flags & RF_IN_ROOT) {
    if ((tfd = in_root_open(root_fd, target, IR_FOLLOW, 0)) < 0)
      return close_keeping_errno(sfd, -1);
    target = fd_path(tfd, tbuf);
  }
  int rc = mount(src, target, opt(r, 2), flags, opt(r, 4));
  close_keeping_errno(sfd, rc);
  return close_keeping_errno(tfd, rc);
}

/* OP_TOUCH: an empty file for a bind mount; an existing one (in the root: whatever its name
 * leads to there) is fine. Opened read-only: it may belong to an id the user namespace does not map. */
static int touch_step(const struct record *r) {
  if (!(r->flags & RF_IN_ROOT)) {
    int fd = open(r->argv[0], O_CREAT | O_RDONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
    return fd < 0 ? -1 : close(fd);
  }
  int fd = in_root_open(root_fd, r->argv[0], IR_FOLLOW, 0);
  if (fd >= 0 || errno != ENOENT)
    return fd < 0 ? -1 : close(fd);
  char name[256];
  int dir = in_root_parent(root_fd, r->argv[0], name);
  if (dir < 0)
    return -1;
  fd = openat(dir, name, O_CREAT | O_EXCL | O_RDONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
  /* EEXIST: made meanwhile; the mount resolves whatever it is, inside the root */
  int rc = fd >= 0 || errno == EEXIST ? 0 : -1;
  close_keeping_errno(fd, rc);
  return close_keeping_errno(dir, rc);
}

static int mkdir_step(const struct record *r) {
  mode_t mode = r->argc > 1 ? (mode_t)strtoul(r->argv[1], NULL, 8) : 0755;
  if (!(r->flags & RF_IN_ROOT))
    return mkdir_p(r->argv[0], mode);
  int fd = in_root_open(root_fd, r->argv[0], IR_FOLLOW | IR_MKDIR, mode);
  return fd < 0 ? -1 : close(fd);
}

static int symlink_step(const struct record *r) {
  if (!(r->flags & RF_IN_ROOT))
    return symlink(r->argv[0], r->argv[1]) < 0 && errno != EEXIST ? -1 : 0;
  char name[256];
  int dir = in_root_parent(root_fd, r->argv[1], name);
  if (dir < 0)
    return -1;
  int rc = symlinkat(r->argv[0], dir, name) < 0 && errno != EEXIST ? -1 : 0;
  return close_keeping_errno(dir, rc);
}

static int remount_ro_step(const struct record *r) {
  unsigned long extra = r->argc > 1 ? num(r->argv[1]) : 0;
  if (!(r->flags & RF_IN_ROOT))
    return remount_ro(r->argv[0], extra);
  char buf[FD_PATH_MAX];
  int fd = in_root_open(root_fd, r->argv[0], IR_FOLLOW, 0);
  if (fd < 0)
    return -1;
  return close_keeping_errno(fd, remount_ro(fd_path(fd, buf), extra));
}

static int root_step(const char *path) {
  int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  if (root_fd >= 0)
    close(root_fd);
  root_fd = fd;
  return 0;
}

/* One step record. Returns -1 with errno set on failure. */
static int run_step(const struct record *r, char ***envp) {
  switch (r->op) {
  case OP_ROOT:
    return root_step(r->argv[0]);
  case OP_MOUNT:
    return mount_step(r);
  case OP_MKDIR:
    return mkdir_step(r);
  case OP_SYMLINK:
    return symlink_step(r);
  case OP_TOUCH:
    return touch_step(r);
  case OP_PIVOT_ROOT:
    return pivot(r->argv[0]);
  case OP_MOVE_ROOT:
    return move_root(r);
  case OP_SESSION_KEYRING:
    return session_keyring(r);
  case OP_CHDIR:
    return chdir(r->argv[0]);
  case OP_HOSTNAME:
    return sethostname(r->argv[0], strlen(r->argv[0]));
  case OP_DOMAINNAME:
    return setdomainname(r->argv[0], strlen(r->argv[0]));
  case OP_REMOUNT_RO:
    return remount_ro_step(r);
  case OP_BIND:
    return bind_step(root_fd, r);
  case OP_PTY:
    return open_pty(opt(r, 0));
  case OP_SETGROUPS:
    return set_groups(r);
  case OP_SETGID: {
    gid_t g = (gid_t)num(r->argv[0]);
    return setresgid(g, g, g);
  }
  case OP_SETUID: {
    uid_t u = (uid_t)num(r->argv[0]);
    return setresuid(u, u, u);
  }
  case OP_UMASK:
    umask((mode_t)strtoul(r->argv[0], NULL, 8));
    return 0;
  case OP_ENV:
    *envp = r->argv;
    return 0;
  case OP_RMDIR:
    return rmdir(r->argv[0]);
  case OP_UNMOUNT:
    return umount2(r->argv[0], MNT_DETACH);
  case OP_LINK_UP:
    return link_up(r->argv[0]);
  case OP_NSID:
    return r->argc < 2 ? (errno = EINVAL, -1) : set_nsid(r->argv[0], r->argv[1]);
  case OP_CAPS:
    return set_caps(r->argv, r->argc);
  case OP_NO_NEW_PRIVS:
    return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
  case OP_SECCOMP:
    return load_seccomp(r->argv, r->argc);
  case OP_RLIMIT:
    return set_rlimit(r->argv, r->argc);
  case OP_WRITE:
    return r->argc < 2 ? (errno = EINVAL, -1) : write_file(r->argv[0], r->argv[1]);
  case OP_KEEP_CAPS:
    return prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0);
  case OP_MKNOD:
    return make_node(r, r->flags & RF_IN_ROOT ? root_fd : -1);
  case OP_TMPFS:
    return tmpfs_mount(r->flags & RF_IN_ROOT ? root_fd : -1, r->argv[0], num(r->argv[1]), opt(r, 2),
                       r->argc > 3 && strcmp(r->argv[3], "1") == 0);
  case OP_PERSONALITY:
    return personality(num(r->argv[0])) < 0 ? -1 : 0;
  default:
    return 0; /* option records and OP_EXEC are not steps */
  }
}

/* the path a failure message names: the target for mounts, else the first argument */
static const char *step_subject(const struct record *r) {
  if ((r->op == OP_MOUNT || r->op == OP_BIND) && r->argc > 1)
    return r->argv[1];
  return r->argc > 0 ? r->argv[0] : "";
}

static const char *env_get(char **envp, const char *name) {
  size_t n = strlen(name);
  for (char **e = envp; e && *e; e++)
    if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
      return *e + n + 1;
  return NULL;
}

/* Whether execve(path) would find a program to run there: 0, or -1 with the errno it would give.
 * Other errors of the access check (a seccomp profile refusing faccessat2) leave it to execve. */
static int exec_probe(const char *path) {
  struct stat st;
  if (stat(path, &st) < 0)
    return -1;
  if (!S_ISREG(st.st_mode) || (st.st_mode & 0111) == 0) {
    errno = EACCES;
    return -1;
  }
  if (faccessat(AT_FDCWD, path, X_OK, AT_EACCESS) < 0 && errno == EACCES)
    return -1; /* e.g. on a noexec mount */
  return 0;
}

static int exec_try(const char *path, char **argv, char **envp, int probe) {
  if (probe)
    return exec_probe(path);
  execve(path, argv, envp);
  return -1;
}

/* execvpe() with the container's PATH: EACCES is kept over ENOENT, as execvp does, so that the
 * caller can tell "not found" (127) from "found but not executable" (126). With probe set it
 * only looks: 0 when execve would find a program, else -1 and the errno it would fail with. */
static int exec_search(char **argv, char **envp, int probe) {
  static char *empty[] = {NULL};
  if (envp == NULL)
    envp = empty;
  if (strchr(argv[0], '/') != NULL)
    return exec_try(argv[0], argv, envp, probe);
  const char *path = env_get(envp, "PATH");
  if (path == NULL)
    path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  int seen_eacces = 0;
  char buf[PATH_MAX];
  for (const char *p = path; p != NULL;) {
    const char *end = strchr(p, ':');
    size_t dl = end ? (size_t)(end - p) : strlen(p);
    if (dl == 0)
      dl = 1, p = "."; /* an empty PATH element means the current directory */
    if (dl + strlen(argv[0]) + 2 <= sizeof buf) {
      memcpy(buf, p, dl);
      buf[dl] = '/';
      strcpy(buf + dl + 1, argv[0]);
      if (exec_try(buf, argv, envp, probe) == 0)
        return 0;
      if (errno == EACCES)
        seen_eacces = 1;
      else if (errno != ENOENT && errno != ENOTDIR)
        return -1;
    }
    p = end ? end + 1 : NULL;
  }
  errno = seen_eacces ? EACCES : ENOENT;
  return -1;
}

/* runc looks the command up before it reports the container created, with the process's own
 * ids, directory and PATH: a missing program is an error of create (podman's 127, containerd's
 * "OCI runtime create failed"), not an exit status after start. */
static void check_command(const struct program *prog, char **envp) {
  for (size_t j = 0; j < prog->n; j++) {
    const struct record *r = &prog->recs[j];
    if (r->op != OP_EXEC)
      continue;
    if (r->argv != NULL && r->argv[0] != NULL && exec_search(r->argv, envp, 1) < 0)
      fail((uint32_t)j, r->argv[0]);
    return;
  }
}

/* --init: stay as PID 1, reap every orphan, pass signals on to the command, exit as it did. */
_Noreturn static void reaper(char **argv, char **envp, uint32_t exec_step) {
  sigset_t all, old;
  sigfillset(&all);
  sigprocmask(SIG_BLOCK, &all, &old);
  pid_t child = fork();
  if (child < 0)
    fail(exec_step, "fork");
  if (child == 0) {
    sigprocmask(SIG_SETMASK, &old, NULL);
    exec_search(argv, envp, 0);
    fail(exec_step, argv[0]);
  }
  close(sync_fd);
  prctl(PR_SET_NAME, "berth-init");
  for (;;) {
    siginfo_t info;
    if (sigwaitinfo(&all, &info) < 0)
      continue;
    if (info.si_signo != SIGCHLD) {
      kill(child, info.si_signo);
      continue;
    }
    int status;
    pid_t p;
    while ((p = waitpid(-1, &status, WNOHANG)) > 0)
      if (p == child)
        _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
  }
}

/* S_READY, then the start: F_GO through the monitor, or a reader on the exec fifo (runc's
 * `start` model, where no monitor stays). */
static void await_start(const struct config *cfg) {
  if (sync_send(sync_fd, S_READY, 0, 0, 0, NULL) < 0)
    _exit(1);
  if (cfg->exec_fifo_fd >= 0) {
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", cfg->exec_fifo_fd);
    int fd = TEMP_FAILURE_RETRY_INT(open(path, O_WRONLY | O_CLOEXEC));
    if (fd < 0 || write_full(fd, "0", 1) < 0)
      fail(STEP_PROTOCOL, "exec fifo");
    close(fd);
    close(cfg->exec_fifo_fd);
    return;
  }
  struct sync_msg m;
  if (sync_recv(sync_fd, &m, NULL) != 1 || m.type != S_GO)
    _exit(1); /* the monitor went away: never run the command */
}

_Noreturn static void run_c2(const struct config *cfg, const struct program *prog,
                             struct stdio_fds io) {
  int null = open("/dev/null", O_RDWR);
  int src[3] = {io.in, io.out, io.err};
  for (int fd = 0; fd < 3; fd++)
    if (dup2(src[fd] >= 0 && !cfg->tty ? src[fd] : null, fd) < 0)
      fail(STEP_STDIO, "dup2");
  if (setsid() < 0)
    fail(STEP_STDIO, "setsid");

  char **envp = NULL, **argv = NULL;
  uint32_t exec_step = 0;
  int prev_failed = 0, started = 0;
  for (size_t i = 0; i < prog->n; i++) {
    const struct record *r = &prog->recs[i];
    if (r->op == OP_EXEC) {
      argv = r->argv, exec_step = (uint32_t)i;
      continue;
    }
    if (r->op == OP_PAUSE) {
      struct sync_msg m;
      if (sync_send(sync_fd, S_PAUSE, 0, 0, 0, NULL) < 0 || sync_recv(sync_fd, &m, NULL) != 1 ||
          m.type != S_RESUME)
        _exit(1); /* the monitor went away or gave up on the container */
      continue;
    }
    if (r->op == OP_GO) {
      if (!started) {
        check_command(prog, envp);
        await_start(cfg);
      }
      started = 1;
      continue;
    }
    if ((r->flags & RF_ELSE) && !prev_failed)
      continue; /* the alternative before it worked */
    prev_failed = 0;
    if (run_step(r, &envp) == 0)
      continue;
    int has_else = i + 1 < prog->n && (prog->recs[i + 1].flags & RF_ELSE);
    if (has_else)
      prev_failed = 1;
    else if (!(r->flags & RF_OPTIONAL))
      fail((uint32_t)i, step_subject(r));
  }
  if (argv == NULL || argv[0] == NULL) {
    errno = EINVAL;
    fail(STEP_PROTOCOL, "no command");
  }
  if (!started) {
    check_command(prog, envp);
    await_start(cfg);
  }

  /* No descriptor of the engine may reach the command (CVE-2024-21626): everything above
   * stdio and the caller's preserved fds is closed on exec, including the sync socket, whose
   * EOF reports success. */
  for (int fd = 3; fd < 3 + cfg->preserve_fds; fd++)
    fcntl(fd, F_SETFD, 0);
  syscall(SYS_close_range, 3 + cfg->preserve_fds, ~0U, CLOSE_RANGE_CLOEXEC);
  if (cfg->init)
    reaper(argv, envp, exec_step);
  exec_search(argv, envp, 0);
  fail(exec_step, argv[0]);
}

static int write_maps_request(void) {
  struct sync_msg m;
  if (sync_send(sync_fd, S_MAPS, 0, 0, 0, NULL) < 0)
    return -1;
  if (sync_recv(sync_fd, &m, NULL) != 1 || m.type != S_MAPS_DONE) {
    errno = EPROTO;
    return -1;
  }
  return 0;
}

_Noreturn void run_c1(const struct config *cfg, const struct program *prog, int fd,
                      struct stdio_fds io) {
  sync_fd = fd;
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  /* first, from the host's mount namespace: a new cgroup namespace is rooted where we are */
  for (int i = 0; i < cfg->ncgroups; i++)
    if (!(cfg->cgroup_else[i] && cfg->in_cgroup) && write_file(cfg->cgroup_procs[i], "0") < 0)
      fail(cfg->cgroup_step[i], cfg->cgroup_procs[i]);
  /* The user namespace comes first: it decides which other namespaces we may join. */
  for (int pass = 0; pass < 2; pass++)
    for (int i = 0; i < cfg->njoins; i++) {
      if ((cfg->join_type[i] == CLONE_NEWUSER) != (pass == 0))
        continue;
      if (setns(cfg->join_fd[i], cfg->join_type[i]) < 0)
        fail(cfg->join_step[i], "setns");
      if (cfg->join_type[i] == CLONE_NEWUSER && (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0))
        fail(cfg->join_step[i], "become root in the joined user namespace");
    }
  /* unshare(2): with CLONE_NEWUSER the user namespace is created first and owns the others */
  if (cfg->new_flags != 0 && unshare((int)cfg->new_flags) < 0)
    fail(STEP_FORK, "unshare");
  /* Offsets must be written before any process enters the new time namespace (C2 will), and
   * before we change ids: that makes us non-dumpable and /proc/self root's again. */
  if (cfg->time_offsets != NULL && write_file("/proc/self/timens_offsets", cfg->time_offsets) < 0)
    fail(cfg->time_step, "/proc/self/timens_offsets");
  if (cfg->new_flags & CLONE_NEWUSER) {
    /* only the monitor, still in the parent namespace, may map arbitrary ids */
    if (write_maps_request() < 0)
      fail(STEP_MAPS, "wait for the id maps");
    /* with no maps there is no root to become: the ids stay unmapped (65534), as with unshare -U */
    if (cfg->uid_map != NULL &&
        (setresgid(0, 0, 0) < 0 || (setgroups(0, NULL) < 0 && !groups_denied()) || setresuid(0, 0, 0) < 0))
      fail(STEP_MAPS, "become root in the new user namespace");
  }
  pid_t pid = fork();
  if (pid < 0)
    fail(STEP_FORK, "fork");
  if (pid == 0) {
    run_c2(cfg, prog, io);
  }
  sync_send(sync_fd, S_PID, 0, 0, pid, NULL);
  _exit(0);
}
