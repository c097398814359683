/*
 * berth-stage: the one native program of berth.
 *
 * A JVM is multithreaded from its first instruction, and the kernel refuses unshare(CLONE_NEWUSER)
 * and setns() into user and mount namespaces from a multithreaded process; fork() in a JVM is
 * unsafe as well. So Java decides everything, compiles it into the records of protocol.h, and
 * this program carries them out. It holds no policy: it does not know what an image, a volume
 * or a default is.
 *
 * The process Java spawns becomes the container's monitor (see monitor.c) and outlives the JVM.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <limits.h>

#include "stage.h"

static const struct {
  const char *name;
  int flag;
} ns_kinds[] = {{"user", CLONE_NEWUSER}, {"mnt", CLONE_NEWNS},    {"pid", CLONE_NEWPID},
                {"net", CLONE_NEWNET},   {"uts", CLONE_NEWUTS},   {"ipc", CLONE_NEWIPC},
                {"cgroup", CLONE_NEWCGROUP}, {"time", CLONE_NEWTIME}};

_Noreturn static void die(uint32_t step, int err, const char *text) {
  frame_error(1, step, err, text);
  exit(1);
}

static int ns_flag(const char *name) {
  for (size_t i = 0; i < sizeof ns_kinds / sizeof ns_kinds[0]; i++)
    if (strcmp(ns_kinds[i].name, name) == 0)
      return ns_kinds[i].flag;
  return 0;
}

/* Closes every fd from `from` up, except those in keep (the launcher's caller's may be many). */
static void close_from(int from, const int keep[3]) {
  for (int lo = from;;) {
    int next = INT_MAX;
    for (int i = 0; i < 3; i++)
      if (keep[i] >= lo && keep[i] < next)
        next = keep[i];
    if (next == INT_MAX) {
      syscall(SYS_close_range, lo, ~0U, 0);
      return;
    }
    if (next > lo)
      syscall(SYS_close_range, lo, next - 1, 0);
    lo = next + 1;
  }
}

static void read_config(const struct program *prog, struct config *cfg) {
  memset(cfg, 0, sizeof *cfg);
  cfg->exec_fifo_fd = -1;
  cfg->clone_cgroup_fd = -1;
  for (size_t i = 0; i < prog->n; i++) {
    const struct record *r = &prog->recs[i];
    uint32_t step = (uint32_t)i;
    int flag_only = r->op == OP_TTY || r->op == OP_STDIN || r->op == OP_INIT ||
                    r->op == OP_EPHEMERAL || r->op == OP_DETACH || r->op == OP_INHERIT_STDIO ||
                    r->op == OP_DENY_SETGROUPS;
    if (r->op < OP_MOUNT && !flag_only && r->argc < 1)
      die(step, EINVAL, "record without its argument");
    switch (r->op) {
    case OP_STATE_DIR:
      cfg->state_dir = r->argv[0];
      break;
    case OP_LOG_FILE:
      cfg->log_file = r->argv[0];
      break;
    case OP_TTY:
      cfg->tty = 1;
      cfg->rows = r->argc > 0 ? (unsigned short)atoi(r->argv[0]) : 24;
      cfg->cols = r->argc > 1 ? (unsigned short)atoi(r->argv[1]) : 80;
      break;
    case OP_STDIN:
      cfg->keep_stdin = 1;
      break;
    case OP_JOIN_NS: {
      int flag = r->argc > 1 ? ns_flag(r->argv[0]) : 0;
      if (flag == 0 || cfg->njoins == MAX_JOINS)
        die(step, EINVAL, "bad namespace join record");
      int fd = open(r->argv[1], O_RDONLY | O_CLOEXEC);
      if (fd < 0)
        die(step, errno, r->argv[1]);
      cfg->join_type[cfg->njoins] = flag;
      cfg->join_fd[cfg->njoins] = fd;
      cfg->join_step[cfg->njoins++] = step;
      break;
    }
    case OP_NEW_NS:
      cfg->new_flags = strtoul(r->argv[0], NULL, 0);
      break;
    case OP_UID_MAP:
      cfg->uid_map = r->argv[0], cfg->uid_map_step = step;
      break;
    case OP_GID_MAP:
      cfg->gid_map = r->argv[0], cfg->gid_map_step = step;
      break;
    case OP_TIME_OFFSETS:
      cfg->time_offsets = r->argv[0], cfg->time_step = step;
      break;
    case OP_INIT:
      cfg->init = 1;
      break;
    case OP_EPHEMERAL:
      cfg->ephemeral = 1;
      break;
    case OP_PERSIST_NS:
      if (r->argc < 2 || cfg->npersist == MAX_JOINS || ns_flag(r->argv[0]) == 0)
        die(step, EINVAL, "bad namespace persist record");
      cfg->persist_kind[cfg->npersist] = r->argv[0];
      cfg->persist_path[cfg->npersist] = r->argv[1];
      cfg->persist_step[cfg->npersist++] = step;
      break;
    case OP_EXIT_COMMAND:
      cfg->exit_command = r->argv;
      break;
    case OP_REMOVE_AT_EXIT:
      if (r->argc < 1 || cfg->nremove == MAX_JOINS)
        die(step, EINVAL, "bad remove-at-exit record");
      cfg->remove_path[cfg->nremove++] = r->argv[0];
      break;
    case OP_EVENT_LOG:
      if (r->argc < 4)
        die(step, EINVAL, "bad event log record");
      cfg->event_log = r->argv[0], cfg->die_line = r->argv[1];
      cfg->oom_line = r->argv[2], cfg->oom_file = r->argv[3];
      break;
    case OP_REPEAT:
      if (r->argc < 3)
        die(step, EINVAL, "bad repeat record");
      cfg->repeat_first_ms = atol(r->argv[0]), cfg->repeat_ms = atol(r->argv[1]);
      if (cfg->repeat_first_ms < 0 || cfg->repeat_ms < 1)
        die(step, EINVAL, "bad repeat delay");
      cfg->repeat_argv = r->argv + 2;
      break;
    case OP_CGROUP:
      if (cfg->ncgroups == MAX_CGROUPS)
        die(step, EINVAL, "too many cgroup records");
      cfg->cgroup_procs[cfg->ncgroups] = r->argv[0];
      cfg->cgroup_else[cfg->ncgroups] = (r->flags & RF_ELSE) != 0;
      cfg->cgroup_step[cfg->ncgroups++] = step;
      break;
    case OP_CLONE_CGROUP:
      /* not opened (gone, refused): the OP_CGROUP after it moves C1 and reports why not */
      cfg->clone_cgroup_fd = open(r->argv[0], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      break;
    case OP_DETACH:
      cfg->detach = 1;
      break;
    case OP_DENY_SETGROUPS:
      cfg->deny_setgroups = 1;
      break;
    case OP_INHERIT_STDIO:
      if (caller_stdio[0] < 0 || caller_stdio[1] < 0 || caller_stdio[2] < 0)
        die(step, EBADF, "no caller stdio to inherit: run through the launcher (berth-stage --launch)");
      cfg->inherit_stdio = 1;
      break;
    case OP_PRESERVE_FDS:
      cfg->preserve_fds = atoi(r->argv[0]);
      if (cfg->preserve_fds < 0 || cfg->preserve_fds > MAX_PRESERVE_FDS)
        die(step, EINVAL, "too many fds to preserve");
      break;
    case OP_CONSOLE_SOCKET:
      cfg->console_socket = r->argv[0];
      break;
    case OP_EXEC_FIFO:
      cfg->exec_fifo = r->argv[0];
      break;
    default:
      break;
    }
  }
}

static int write_proc(pid_t pid, const char *file, const char *text) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/%s", pid, file);
  return write_file(path, text);
}

static int control_socket(void) {
  struct sockaddr_un addr = {.sun_family = AF_UNIX, .sun_path = "ctl.sock"};
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return -1;
  unlink(addr.sun_path);
  if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0 || chmod(addr.sun_path, 0600) < 0 ||
      listen(fd, 16) < 0) {
    close(fd);
    return -1;
  }
  return fd;
}

static void hello(void) {
  uint8_t type;
  char *p;
  uint32_t n, magic, version;
  warm_until_readable(0);
  errno = 0;
  int r = frame_read(0, &type, &p, &n);
  if (r < 0 && errno == 0)
    exit(0); /* EOF: a launcher's stage that the JVM did not need */
  if (r < 0 || type != F_HELLO || n < 8)
    die(STEP_PROTOCOL, EPROTO, "expected a hello frame");
  memcpy(&magic, p, 4);
  memcpy(&version, p + 4, 4);
  if (n > 8) { /* where our own diagnostics go: stderr is the user's terminal or nothing */
    int fd = open(p + 8, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (fd >= 0 && fd != 2)
      dup2(fd, 2), close(fd);
  }
  free(p);
  if (magic != PROTO_MAGIC || version != PROTO_VERSION)
    die(STEP_PROTOCOL, EPROTONOSUPPORT,
        "berth and its stage speak different protocol versions: use the berth-stage built with this berth"
        " (berth-stage --version; BERTH_STAGE names another)");
  uint32_t reply[3] = {PROTO_MAGIC, PROTO_VERSION, (uint32_t)getpid()};
  if (frame_write(1, F_HELLO, reply, sizeof reply) < 0)
    exit(1);
}

static void read_program(struct program *prog) {
  uint8_t type;
  char *p;
  uint32_t n;
  if (frame_read(0, &type, &p, &n) < 0 ||
      (type != F_PROGRAM && type != F_NSSCAN && type != F_KILL))
    die(STEP_PROTOCOL, errno ? errno : EPROTO, "expected a program frame");
  if (type == F_NSSCAN) { /* a question, not a container: answer and go */
    ns_scan(p, n);
    exit(0);
  }
  if (type == F_KILL) {
    kill_procs(p, n);
    exit(0);
  }
  if (program_parse(p, n, prog) < 0)
    die(STEP_PROTOCOL, EPROTO, "malformed program");
}

/* the container's configuration once read: an abandoned set-up removes what should go with it */
static const struct config *active;

void remove_at_exit(const struct config *cfg) {
  for (int i = 0; cfg != NULL && i < cfg->nremove; i++) {
    umount2(cfg->remove_path[i], MNT_DETACH); /* EINVAL when nothing is mounted there */
    unlink(cfg->remove_path[i]);
  }
}

_Noreturn static void abandon(pid_t pid, uint32_t step, int err, const char *text) {
  if (pid > 0)
    kill(pid, SIGKILL);
  remove_at_exit(active);
  frame_error(1, step, err, text);
  while (wait(NULL) > 0 || errno == EINTR)
    ;
  exit(1);
}

/* Namespaces kept alive by a bind mount of their file, made here in the caller's mount namespace. */
static void persist(const struct config *cfg, pid_t c2) {
  int created[MAX_JOINS] = {0};
  for (int i = 0; i < cfg->npersist; i++) {
    const char *path = cfg->persist_path[i];
    char src[64];
    snprintf(src, sizeof src, "/proc/%d/ns/%s", (int)c2, cfg->persist_kind[i]);
    int fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0444);
    created[i] = fd >= 0;
    if (fd < 0 && errno == EEXIST)
      fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    int err = fd < 0 ? errno : 0;
    if (fd >= 0)
      close(fd);
    if (err == 0 && mount(src, path, NULL, MS_BIND, NULL) < 0)
      err = errno;
    if (err != 0) { /* undo, so that a failure leaves no mount and no file of ours behind */
      for (int j = i; j >= 0; j--) {
        if (j < i)
          umount2(cfg->persist_path[j], MNT_DETACH);
        if (created[j])
          unlink(cfg->persist_path[j]);
      }
      abandon(c2, cfg->persist_step[i], err, path);
    }
  }
}

/* runc's console-socket protocol: the pty master as SCM_RIGHTS, its name as the payload. */
static int send_console(const char *path, int master) {
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  if (strlen(path) >= sizeof addr.sun_path) {
    errno = ENAMETOOLONG;
    return -1;
  }
  strcpy(addr.sun_path, path);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return -1;
  int rc = connect(fd, (struct sockaddr *)&addr, sizeof addr);
  if (rc == 0)
    rc = send_fd(fd, "/dev/ptmx", sizeof "/dev/ptmx" - 1, master);
  int saved = errno;
  close(fd);
  errno = saved;
  return rc;
}

/*
 * An ignored signal stays ignored across fork and execve: our SIGPIPE, and whatever our caller
 * ignored (nohup's SIGHUP, SIGINT and SIGQUIT of a script's background job, 32 and 33 of a
 * JVM's children). The container starts with every default however berth was started, as under
 * a daemon. The system call itself: libc refuses its own signals (32, 33). An all-zero kernel
 * sigaction is SIG_DFL, no flags and an empty mask on every architecture.
 */
static void default_signals(void) {
  static const unsigned long dfl[4];
  for (int s = 1; s <= 64; s++) /* EINVAL for SIGKILL and SIGSTOP: nothing to reset */
    syscall(SYS_rt_sigaction, s, dfl, NULL, sizeof(uint64_t)); /* the kernel's sigset_t */
}

static void await_go(pid_t c2);

/* From fork to S_READY: answer C1 and C2 until the container is set up. */
static pid_t await_ready(const struct config *cfg, int sync, pid_t c1, int *master) {
  pid_t c2 = -1;
  int paused = 0, ready = 0;
  for (;;) {
    if (paused && c2 > 0) { /* C2 may reach a pause before C1's S_PID arrives */
      int32_t pid = c2;
      frame_write(1, F_PAUSED, &pid, sizeof pid);
      await_go(c2);
      sync_send(sync, S_RESUME, 0, 0, 0, NULL);
      paused = 0;
    }
    struct sync_msg m;
    int fd = -1;
    int r = sync_recv(sync, &m, &fd);
    if (r <= 0)
      abandon(c2 > 0 ? c2 : c1, STEP_FORK, r < 0 ? errno : ECHILD,
              "the container process died during set-up");
    switch (m.type) {
    case S_MAPS:
      /* written from here, in the parent user namespace, where we may map any id */
      if (cfg->deny_setgroups && write_proc(c1, "setgroups", "deny") < 0)
        abandon(c1, cfg->gid_map_step, errno, "setgroups");
      if (cfg->uid_map && write_proc(c1, "uid_map", cfg->uid_map) < 0)
        abandon(c1, cfg->uid_map_step, errno, "uid_map");
      if (cfg->gid_map && write_proc(c1, "gid_map", cfg->gid_map) < 0)
        abandon(c1, cfg->gid_map_step, errno, "gid_map");
      sync_send(sync, S_MAPS_DONE, 0, 0, 0, NULL);
      break;
    case S_PID:
      c2 = m.pid;
      waitpid(c1, NULL, 0);
      if (ready)
        return c2;
      break;
    case S_PTY:
      *master = fd;
      if (fd >= 0) {
        struct winsize ws = {.ws_row = cfg->rows, .ws_col = cfg->cols};
        ioctl(fd, TIOCSWINSZ, &ws);
      }
      if (fd >= 0 && cfg->console_socket != NULL) { /* the caller holds the terminal, not us */
        if (send_console(cfg->console_socket, fd) < 0)
          abandon(c2 > 0 ? c2 : c1, STEP_STDIO, errno, cfg->console_socket);
        close(fd);
        *master = -1;
      }
      break;
    case S_PAUSE:
      paused = 1;
      break;
    case S_ERROR:
      abandon(c2 > 0 ? c2 : c1, m.step, m.err, m.text);
    case S_READY:
      /* C2's ready and C1's report of C2's pid are two writers on one socket: either may come first */
      if (c2 > 0)
        return c2;
      ready = 1;
      break;
    default:
      abandon(c2 > 0 ? c2 : c1, STEP_PROTOCOL, EPROTO, "unexpected sync message");
    }
  }
}

/* Wait for F_GO from Java, answering its F_NETLINK requests meanwhile; F_DETACH cancels the container. */
static void await_go(pid_t c2) {
  for (;;) {
    uint8_t type;
    char *p;
    uint32_t n;
    if (frame_read(0, &type, &p, &n) < 0)
      abandon(c2, STEP_PROTOCOL, ECANCELED, "berth went away before the start");
    if (type == F_NETLINK && netlink_frame(c2, p, n) < 0)
      abandon(c2, STEP_MONITOR, errno, "cannot return to the monitor's own network namespace");
    free(p);
    if (type == F_GO) {
      netlink_close();
      return;
    }
    if (type == F_DETACH)
      abandon(c2, STEP_PROTOCOL, ECANCELED, "cancelled before the start");
  }
}

/* Detached, like podman's cleanup command under conmon: nobody waits for it. */
static void run_exit_command(char **argv) {
  pid_t pid = fork();
  if (pid != 0)
    return;
  int null = open("/dev/null", O_RDWR);
  dup2(null, 0);
  dup2(null, 1);
  setsid();
  execv(argv[0], argv);
  _exit(127);
}

/* `--daemon LOG ARGV...`: ARGV in a session of its own, a grandchild nobody waits for, with
 * stdout and stderr on LOG: how a JVM starts the warm runtime server (see client.c) without
 * handing it our caller's terminal, pipes or process group. */
static int daemonize(const char *log, char **argv) {
  pid_t pid = fork();
  if (pid < 0)
    return 1;
  if (pid > 0) {
    int status;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
  }
  setsid();
  if (fork() != 0)
    _exit(0);
  int null = open("/dev/null", O_RDWR | O_CLOEXEC);
  int out = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (null < 0 || out < 0 || dup2(null, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
    _exit(1);
  int none[3] = {-1, -1, -1};
  close_from(3, none);
  if (chdir("/") < 0)
    _exit(1);
  execv(argv[0], argv);
  _exit(127);
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "--version") == 0) {
    printf("berth-stage protocol %u\n", PROTO_VERSION);
    return 0;
  }
  if (argc > 2 && strcmp(argv[1], "--launch") == 0)
    launch(argv + 2, NULL, 0);
  if (argc > 3 && strcmp(argv[1], "--daemon") == 0)
    return daemonize(argv[2], argv + 3);
  if (argc > 5 && strcmp(argv[1], "--client") == 0 && strcmp(argv[4], "--launch") == 0)
    launch(argv + 5, argv[2][0] ? argv[2] : NULL, atoi(argv[3]));
  int launched = argc > 1 && (strcmp(argv[1], "--launch") == 0 || strcmp(argv[1], "--client") == 0);
  if (argc > 1 && !launched && strcmp(argv[1], "--sealed") != 0) {
    /* e.g. run as the interpreter of a "#!/proc/self/exe" file in a container: nothing to do */
    fprintf(stderr, "berth-stage: started by berth only (berth-stage --version)\n");
    return 2;
  }
  if (argc > 1 && strcmp(argv[1], "--sealed") == 0)
    resume_sealed(argc, argv);
  else if (reexec_sealed(argv[0]) != 0)
    die(STEP_PROTOCOL, errno, "cannot run the stage from a read-only view of its binary (CVE-2019-5736)");
  signal(SIGPIPE, SIG_IGN);
  setsid(); /* no terminal signals: berth forwards what the container should get */
  prctl(PR_SET_NAME, "berth-monitor");
  hello();
  struct program prog;
  read_program(&prog);
  int preserve = 0, inherit = 0;
  for (size_t i = 0; i < prog.n; i++) {
    if (prog.recs[i].op == OP_PRESERVE_FDS && prog.recs[i].argc > 0)
      preserve = atoi(prog.recs[i].argv[0]);
    if (preserve < 0 || preserve > MAX_PRESERVE_FDS)
      preserve = 0; /* read_config refuses it */
    inherit |= prog.recs[i].op == OP_INHERIT_STDIO;
  }
  if (!inherit)
    for (int i = 0; i < 3; i++)
      if (caller_stdio[i] >= 0)
        close(caller_stdio[i]), caller_stdio[i] = -1;
  /* nothing of the launcher's caller reaches the monitor or the container unless asked for */
  close_from(3 + (preserve > 0 ? preserve : 0), caller_stdio);
  /* a preserved number the caller left closed gets /dev/null, or one of our own fds would
   * take it and reach the container */
  for (int fd = 3; fd < 3 + preserve; fd++)
    if (fcntl(fd, F_GETFD) < 0) {
      int null = open("/dev/null", O_RDWR);
      if (null >= 0 && null != fd)
        dup2(null, fd), close(null);
    }
  struct config cfg;
  read_config(&prog, &cfg);
  active = &cfg;

  int listen_fd = -1, log_fd = -1;
  if (cfg.state_dir != NULL && chdir(cfg.state_dir) < 0)
    die(STEP_MONITOR, errno, cfg.state_dir);

  /* stdio pipes: [0] read end, [1] write end; the monitor keeps its ends close-on-exec */
  int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1};
  if (!cfg.tty && !cfg.inherit_stdio &&
      (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0 ||
       (cfg.keep_stdin && pipe2(in, O_CLOEXEC) < 0)))
    die(STEP_STDIO, errno, "pipe");
  if (cfg.exec_fifo != NULL) {
    /* 0622 whatever our umask, as runc makes it: the process opens it to write after it
     * became the container's user, who may not be root */
    mode_t mask = umask(0);
    int made = mkfifo(cfg.exec_fifo, 0622);
    umask(mask);
    if (made < 0)
      die(STEP_MONITOR, errno, cfg.exec_fifo);
    if ((cfg.exec_fifo_fd = open(cfg.exec_fifo, O_PATH | O_CLOEXEC)) < 0)
      die(STEP_MONITOR, errno, cfg.exec_fifo);
  }

  /* Orphans of the container (with --pid=host, or after C1 exits) come to us to be reaped. */
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  sigset_t chld;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  sigprocmask(SIG_BLOCK, &chld, NULL);
  int sigfd = signalfd(-1, &chld, SFD_CLOEXEC);
  int sync[2];
  if (sigfd < 0 || socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sync) < 0)
    die(STEP_MONITOR, errno, "signalfd/socketpair");

  pid_t c1 = fork_into_cgroup(cfg.clone_cgroup_fd);
  if (c1 == 0)
    cfg.in_cgroup = 1;
  else if (c1 < 0)
    c1 = fork();
  if (c1 < 0)
    die(STEP_FORK, errno, "fork");
  if (c1 == 0) {
    if (cfg.clone_cgroup_fd >= 0)
      close(cfg.clone_cgroup_fd);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    default_signals();
    close(sync[0]);
    struct stdio_fds io = {in[0], out[1], err[1]};
    if (cfg.inherit_stdio)
      io = (struct stdio_fds){caller_stdio[0], caller_stdio[1], caller_stdio[2]};
    run_c1(&cfg, &prog, sync[1], io);
  }
  close(sync[1]);
  /* the caller's fds are the container's now: holding them would keep its pipes open */
  for (int i = 0; i < 3; i++)
    if (caller_stdio[i] >= 0)
      close(caller_stdio[i]), caller_stdio[i] = -1;
  if (cfg.preserve_fds > 0)
    syscall(SYS_close_range, 3, 2 + cfg.preserve_fds, 0);
  if (cfg.exec_fifo_fd >= 0)
    close(cfg.exec_fifo_fd);
  for (int i = 0; i < cfg.njoins; i++)
    close(cfg.join_fd[i]);
  if (cfg.clone_cgroup_fd >= 0)
    close(cfg.clone_cgroup_fd);
  /* made while C1 and C2 set the container up (two file creations, ~0.2 ms): needed once it
   * runs, by clients that find it through the state written after F_CREATED. A failure is
   * reported once C2 is known, so that abandoning the container kills its first process. */
  int late_err = 0;
  const char *late_what = NULL;
  if (cfg.state_dir != NULL && (listen_fd = control_socket()) < 0)
    late_err = errno, late_what = "ctl.sock";
  if (late_err == 0 && cfg.log_file != NULL &&
      (log_fd = open(cfg.log_file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640)) < 0)
    late_err = errno, late_what = cfg.log_file;
  int master = -1;
  pid_t c2 = await_ready(&cfg, sync[0], c1, &master);
  if (late_err != 0)
    abandon(c2, STEP_MONITOR, late_err, late_what);
  persist(&cfg, c2);
  if (in[0] >= 0)
    close(in[0]);
  if (out[1] >= 0)
    close(out[1]), close(err[1]);
  int32_t pid = c2;
  frame_write(1, F_CREATED, &pid, sizeof pid);

  await_go(c2);
  if (cfg.exec_fifo == NULL) {
    sync_send(sync[0], S_GO, 0, 0, 0, NULL);
    struct sync_msg m;
    int r = sync_recv(sync[0], &m, NULL);
    if (r == 1 && m.type == S_ERROR)
      abandon(c2, m.step, m.err, m.text);
  }
  close(sync[0]);
  frame_write(1, F_STARTED, NULL, 0);
  if (cfg.detach) /* the process is our parent's subreaper's child now, as with runc */
    return 0;

  int removed = monitor_loop(&cfg, c2, sigfd, out[0], err[0], in[1], master, listen_fd, log_fd);
  if (removed < 0)
    return 1;
  if (cfg.exit_command != NULL && !removed)
    run_exit_command(cfg.exit_command);
  return 0;
}
