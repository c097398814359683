/*
 * The monitor's running phase: one epoll loop that copies the container's output to the log
 * file and to attached clients, passes input, resizes and signals on, reaps, and records the
 * exit status atomically before it tells anyone the container is gone.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "stage.h"

#define MAX_CLIENTS 64
enum { TAG_SIGNAL = 1, TAG_OUT, TAG_ERR, TAG_MASTER, TAG_LISTEN, TAG_CLIENT = 100 };

struct client {
  int rfd, wfd;
  int output; /* receives F_STDOUT/F_STDERR */
  int exit;   /* receives F_EXIT */
};

static struct client clients[MAX_CLIENTS];
static int epfd = -1, log_fd = -1, in_fd = -1, master_fd = -1;
static pid_t container = -1;
static int reaped; /* the container's pid is free again: no signal may go to it */

static void watch(int fd, uint64_t tag) {
  struct epoll_event ev = {.events = EPOLLIN, .data.u64 = tag};
  epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
}

static void drop_client(int i) {
  struct client *c = &clients[i];
  if (c->rfd < 0)
    return;
  epoll_ctl(epfd, EPOLL_CTL_DEL, c->rfd, NULL);
  if (c->rfd == 0) {
    /* the engine that started us went away: keep fds 0 and 1 taken, but harmless */
    int null = open("/dev/null", O_RDWR);
    dup2(null, 0);
    dup2(null, 1);
    if (null > 1)
      close(null);
  } else {
    close(c->rfd);
  }
  c->rfd = c->wfd = -1;
}

static int add_client(int rfd, int wfd, int output, int exit) {
  for (int i = 0; i < MAX_CLIENTS; i++)
    if (clients[i].rfd < 0) {
      clients[i] = (struct client){rfd, wfd, output, exit};
      watch(rfd, TAG_CLIENT + (uint64_t)i);
      return i;
    }
  return -1;
}

static void broadcast(uint8_t type, const void *buf, uint32_t n) {
  for (int i = 0; i < MAX_CLIENTS; i++) {
    struct client *c = &clients[i];
    int wants = type == F_EXIT ? c->exit : c->output;
    if (c->rfd >= 0 && wants && frame_write(c->wfd, type, buf, n) < 0)
      drop_client(i);
  }
}

/* CRI log format, as kubelet and podman's k8s-file write it: one record per line,
 * "<RFC3339Nano> <stream> <F|P> <text>", P marking a line that continues in the next record. */
static void log_output(const char *stream, const char *buf, size_t n) {
  if (log_fd < 0)
    return;
  struct timespec ts;
  struct tm tm;
  char stamp[64];
  clock_gettime(CLOCK_REALTIME, &ts);
  gmtime_r(&ts.tv_sec, &tm);
  size_t sl = strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(stamp + sl, sizeof stamp - sl, ".%09ldZ %s ", ts.tv_nsec, stream);
  while (n > 0) {
    const char *nl = memchr(buf, '\n', n);
    size_t len = nl ? (size_t)(nl - buf) : n;
    char tag[3] = {nl ? 'F' : 'P', ' ', '\0'};
    struct iovec iov[4] = {{stamp, strlen(stamp)}, {tag, 2}, {(void *)buf, len}, {"\n", 1}};
    if (TEMP_FAILURE_RETRY_INT(writev(log_fd, iov, 4)) < 0)
      return;
    size_t used = nl ? len + 1 : len;
    buf += used;
    n -= used;
  }
}

/* Returns 1 after copying data, 0 at the end of the stream, -1 when nothing is there now. */
static int pump(int fd, uint8_t type) {
  char buf[65536];
  ssize_t r = TEMP_FAILURE_RETRY_INT(read(fd, buf, sizeof buf));
  if (r <= 0)
    return r < 0 && errno == EAGAIN ? -1 : 0; /* a pty master reports EIO once the slave closes */
  log_output(type == F_STDERR ? "stderr" : "stdout", buf, (size_t)r);
  broadcast(type, buf, (uint32_t)r);
  return 1;
}

static void resize(const char *p, uint32_t n) {
  if (master_fd < 0 || n < 4)
    return;
  struct winsize ws = {0};
  memcpy(&ws.ws_row, p, 2);
  memcpy(&ws.ws_col, p + 2, 2);
  ioctl(master_fd, TIOCSWINSZ, &ws);
}

static void client_frame(int i) {
  uint8_t type;
  char *p;
  uint32_t n;
  if (frame_read(clients[i].rfd, &type, &p, &n) < 0) {
    drop_client(i);
    return;
  }
  int sig;
  switch (type) {
  case F_STDIN: {
    int fd = master_fd >= 0 ? master_fd : in_fd;
    if (fd >= 0 && write_full(fd, p, n) < 0 && fd == in_fd) {
      close(in_fd);
      in_fd = -1;
    }
    break;
  }
  case F_STDIN_EOF:
    if (in_fd >= 0)
      close(in_fd), in_fd = -1;
    break;
  case F_RESIZE:
    resize(p, n);
    break;
  case F_SIGNAL:
    if (n >= 4) {
      memcpy(&sig, p, 4);
      if (!reaped && container > 0) /* kill(-1) would signal every process we may */
        kill(container, sig);
    }
    break;
  case F_ATTACH:
    clients[i].output = clients[i].exit = 1;
    break;
  case F_WAIT:
    clients[i].exit = 1;
    break;
  case F_DETACH:
    drop_client(i);
    break;
  case F_LOGPOS: {
    struct stat st;
    int64_t size = log_fd >= 0 && fstat(log_fd, &st) == 0 ? (int64_t)st.st_size : -1;
    if (frame_write(clients[i].wfd, F_LOGPOS, &size, sizeof size) < 0)
      drop_client(i);
    break;
  }
  default:
    break;
  }
  if (type == F_SIGNAL || type == F_RESIZE)
    if (clients[i].rfd > 0 && !clients[i].exit)
      frame_write(clients[i].wfd, F_ACK, NULL, 0);
  free(p);
}

static void accept_client(int listen_fd) {
  int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
  if (fd < 0)
    return;
  struct timeval tv = {.tv_sec = 5};
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (add_client(fd, fd, 0, 0) < 0)
    close(fd);
}

/*
 * The exit file's blocks, taken while the container starts: a container that fills the disk
 * it shares with its state directory would otherwise leave no room for its exit status, and
 * read as dead. Rewriting a file's own bytes and shrinking it need no new space.
 */
static int exit_fd = -1;
#define EXIT_RESERVE 64

static void reserve_exit_file(void) {
  char blank[EXIT_RESERVE];
  memset(blank, ' ', sizeof blank);
  exit_fd = open("exit.tmp", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (exit_fd >= 0 && write_full(exit_fd, blank, sizeof blank) != 0) {
    close(exit_fd);
    exit_fd = -1; /* already full: the exit is written as usual, if it can be */
    unlink("exit.tmp");
  }
}

static void write_exit_file(int status, int durable) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  char text[EXIT_RESERVE];
  int n = snprintf(text, sizeof text, "%d %lld\n", status,
                   (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
  int fd = exit_fd;
  if (fd < 0)
    fd = open("exit.tmp", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  else if (lseek(fd, 0, SEEK_SET) < 0)
    return;
  exit_fd = -1;
  if (fd < 0)
    return;
  int ok = write_full(fd, text, (size_t)n) == 0 && ftruncate(fd, n) == 0 &&
           (!durable || fsync(fd) == 0);
  close(fd);
  if (ok && rename("exit.tmp", "exit") == 0 && durable) {
    int dir = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir >= 0)
      fsync(dir), close(dir);
  }
}

/* Whether the container's cgroup saw the OOM killer: "oom_kill N" in memory.events (v2) or
 * memory.oom_control (v1, kernel 4.13 and later). */
static int oom_killed(const char *file) {
  char buf[1024];
  int fd = open(file, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return 0;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0)
    return 0;
  buf[n] = '\0';
  char *p = strstr(buf, "oom_kill ");
  return p != NULL && (p == buf || p[-1] == '\n') && atol(p + strlen("oom_kill ")) > 0;
}

/* Appends a line of the event log, its placeholders (bytes 1, 2, 3) filled in, in one write:
 * O_APPEND keeps concurrent writers' lines whole. */
static void append_event(int fd, const char *line, int code, const struct timespec *ts) {
  size_t len = strlen(line), n = 0, cap = len + 64;
  char *out = malloc(cap);
  if (out == NULL)
    return;
  for (const char *c = line; *c != '\0'; c++) {
    if (n + 32 > cap) {
      char *bigger = realloc(out, cap *= 2);
      if (bigger == NULL) {
        free(out);
        return;
      }
      out = bigger;
    }
    if (*c == 1)
      n += (size_t)snprintf(out + n, cap - n, "%d", code);
    else if (*c == 2)
      n += (size_t)snprintf(out + n, cap - n, "%lld", (long long)ts->tv_sec);
    else if (*c == 3)
      n += (size_t)snprintf(out + n, cap - n, "%lld", (long long)ts->tv_sec * 1000000000LL + ts->tv_nsec);
    else
      out[n++] = *c;
  }
  if (write(fd, out, n) < 0) {
    /* a full disk loses the event, never the container's exit */
  }
  free(out);
}

/* The container's die event (and oom before it), written whether or not berth is watching. */
static void log_exit_events(const struct config *cfg, int status) {
  if (cfg->event_log == NULL)
    return;
  /* a shared lock of rotate.lock in the log's directory while we write, as berth's writers
   * take it: a rotation (exclusive) never renames the file under a line being written */
  char lockpath[4096];
  const char *slash = strrchr(cfg->event_log, '/');
  int lockfd = -1;
  if (slash != NULL && (size_t)(slash - cfg->event_log) + sizeof "/rotate.lock" < sizeof lockpath) {
    snprintf(lockpath, sizeof lockpath, "%.*s/rotate.lock", (int)(slash - cfg->event_log), cfg->event_log);
    lockfd = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    struct flock fl = {.l_type = F_RDLCK, .l_whence = SEEK_SET};
    if (lockfd >= 0 && TEMP_FAILURE_RETRY_INT(fcntl(lockfd, F_SETLKW, &fl)) < 0)
      close(lockfd), lockfd = -1;
  }
  int fd = open(cfg->event_log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (lockfd >= 0)
      close(lockfd);
    return;
  }
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 255;
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  if (cfg->oom_line[0] != '\0' && cfg->oom_file[0] != '\0' && oom_killed(cfg->oom_file))
    append_event(fd, cfg->oom_line, code, &ts);
  append_event(fd, cfg->die_line, code, &ts);
  close(fd);
  if (lockfd >= 0)
    close(lockfd); /* releases the lock */
}

/*
 * An engine still attached removes an auto-remove container itself, faster than the exit
 * command could, and says so; if it dies first (EOF), the exit command does it.
 */
static int await_removal(void) {
  uint8_t type;
  char *p;
  uint32_t n;
  while (frame_read(0, &type, &p, &n) == 0) {
    free(p);
    if (type == F_REMOVED)
      return 1;
  }
  return 0;
}

/*
 * OP_REPEAT: a command run again and again while the container lives (berth's healthcheck
 * runner: when and what to check, and what a result means, is decided by the command). One
 * run at a time; the next is due a delay after the last one ended.
 */
static pid_t repeat_pid = -1;
static int repeat_out = -1;      /* the read end of the running command's stdout */
static long long repeat_due = -1; /* CLOCK_MONOTONIC ms when the next run starts; -1: none */

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void repeat_start(const struct config *cfg) {
  int p[2];
  repeat_due = -1;
  if (pipe2(p, O_CLOEXEC) < 0) {
    repeat_due = now_ms() + cfg->repeat_ms;
    return;
  }
  pid_t pid = fork();
  if (pid < 0) {
    close(p[0]), close(p[1]);
    repeat_due = now_ms() + cfg->repeat_ms;
    return;
  }
  if (pid == 0) {
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_DFL);
    setsid(); /* a group of its own: killed whole when the container is gone */
    int null = open("/dev/null", O_RDWR);
    if (null < 0 || dup2(null, 0) < 0 || dup2(p[1], 1) < 0)
      _exit(127);
    syscall(SYS_close_range, 3, ~0U, 0); /* nothing of the monitor's: ctl.sock, log, pipes */
    execv(cfg->repeat_argv[0], cfg->repeat_argv);
    _exit(127);
  }
  close(p[1]);
  repeat_out = p[0];
  repeat_pid = pid;
}

/* The run ended: its output may name the next delay (it is all in the pipe by now, or never). */
static void repeat_ended(const struct config *cfg) {
  char buf[32] = {0};
  long delay = cfg->repeat_ms;
  fcntl(repeat_out, F_SETFL, O_NONBLOCK);
  ssize_t n = read(repeat_out, buf, sizeof buf - 1);
  close(repeat_out);
  repeat_out = -1;
  repeat_pid = -1;
  if (n > 0) {
    char *end;
    long v = strtol(buf, &end, 10);
    if (end != buf && v >= 0 && (*end == '\0' || *end == '\n'))
      delay = v;
  }
  repeat_due = now_ms() + delay;
}

static void repeat_stop(void) {
  if (repeat_pid > 0) {
    kill(-repeat_pid, SIGKILL);
    kill(repeat_pid, SIGKILL); /* before its setsid */
    while (waitpid(repeat_pid, NULL, 0) < 0 && errno == EINTR)
      ;
    close(repeat_out);
    repeat_pid = -1;
  }
  repeat_due = -1;
}

static void drain(int fd, uint8_t type) {
  if (fd < 0)
    return;
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  while (pump(fd, type) > 0)
    ;
}

int monitor_loop(const struct config *cfg, pid_t pid, int sigfd, int out_fd, int err_fd,
                 int stdin_fd, int pty_fd, int listen_fd, int logfd) {
  container = pid;
  log_fd = logfd;
  in_fd = stdin_fd;
  master_fd = pty_fd;
  for (int i = 0; i < MAX_CLIENTS; i++)
    clients[i].rfd = clients[i].wfd = -1;
  epfd = epoll_create1(EPOLL_CLOEXEC);
  if (epfd < 0)
    return -1;
  watch(sigfd, TAG_SIGNAL);
  if (out_fd >= 0)
    watch(out_fd, TAG_OUT);
  if (err_fd >= 0)
    watch(err_fd, TAG_ERR);
  if (master_fd >= 0)
    watch(master_fd, TAG_MASTER);
  if (listen_fd >= 0)
    watch(listen_fd, TAG_LISTEN);
  add_client(0, 1, 1, 1);
  if (cfg->state_dir != NULL)
    reserve_exit_file();
  if (cfg->repeat_argv != NULL)
    repeat_due = now_ms() + cfg->repeat_first_ms;

  int status = 0, exited = 0;
  while (!exited) {
    struct epoll_event evs[16];
    int timeout = -1;
    if (repeat_due >= 0) {
      long long left = repeat_due - now_ms();
      timeout = left <= 0 ? 0 : left > 3600000 ? 3600000 : (int)left;
    }
    int n = epoll_wait(epfd, evs, 16, timeout);
    if (n < 0 && errno != EINTR)
      return -1;
    if (repeat_due >= 0 && repeat_pid < 0 && now_ms() >= repeat_due)
      repeat_start(cfg);
    for (int k = 0; k < n; k++) {
      uint64_t tag = evs[k].data.u64;
      if (tag == TAG_SIGNAL) {
        struct signalfd_siginfo si;
        if (read(sigfd, &si, sizeof si) < 0)
          continue;
        int st;
        pid_t p;
        while ((p = waitpid(-1, &st, WNOHANG)) > 0)
          if (p == container)
            status = st, exited = reaped = 1;
          else if (p == repeat_pid)
            repeat_ended(cfg);
      } else if (tag == TAG_OUT || tag == TAG_ERR || tag == TAG_MASTER) {
        int *fd = tag == TAG_ERR ? &err_fd : tag == TAG_OUT ? &out_fd : &master_fd;
        if (*fd >= 0 && pump(*fd, tag == TAG_ERR ? F_STDERR : F_STDOUT) == 0) {
          epoll_ctl(epfd, EPOLL_CTL_DEL, *fd, NULL);
          if (tag != TAG_MASTER) /* the master stays open for late resizes */
            close(*fd), *fd = -1;
        }
      } else if (tag == TAG_LISTEN) {
        accept_client(listen_fd);
      } else if (tag >= TAG_CLIENT && tag < TAG_CLIENT + MAX_CLIENTS) {
        client_frame((int)(tag - TAG_CLIENT));
      }
    }
  }
  repeat_stop(); /* what it checked is gone */
  /* every process of a new PID namespace is dead now: what they wrote is in the buffers */
  drain(out_fd, F_STDOUT);
  drain(err_fd, F_STDERR);
  drain(master_fd, F_STDOUT);
  log_exit_events(cfg, status); /* first: whoever sees the exit file finds the die event logged */
  if (cfg->state_dir != NULL) {
    write_exit_file(status, !cfg->ephemeral);
    unlink("ctl.sock"); /* before F_EXIT: the engine may remove the directory right after it */
  }
  remove_at_exit(cfg); /* a helper watching these (pasta) quits with the container */
  int32_t st = status;
  broadcast(F_EXIT, &st, sizeof st);
  return cfg->exit_command != NULL && clients[0].rfd == 0 ? await_removal() : 0;
}
