/*
 * `berth-stage --client SOCKET N --launch JAVA ARG...`: berth-runtime's warm path. containerd's
 * shim runs create, start, state and delete as four processes; each would pay a JVM start. This
 * forks the stage exactly as --launch does, so the container stays our caller's descendant,
 * then asks the warm runtime server on SOCKET to run the last N arguments with that stage.
 * When there is no server, or it declines, the JVM runs here as with --launch, told through
 * BERTH_RUNTIME_SERVE where a server may be started.
 *
 * Request: one frame 'R' holding NUL-terminated fields: "2" (version), our pid, our working
 * directory, N, the N arguments, the number of environment entries, the entries. The server
 * opens the stage's pipes through /proc/PID/fd/3 and 4.
 *
 * Replies: first 'f' (declined: run the JVM) or 'a' (accepted; "1": the call runs a process in
 * the foreground, so forward our signals), then 'o' and 'e' bytes for our stdout and stderr,
 * 't' (the process has a terminal that is ours: raw mode, input and size), and 'x' the exit
 * status (decimal), which ends the call.
 *
 * While forwarding, as runc does in the foreground: every signal we receive goes to the server
 * as 'k' (decimal number), except SIGCHLD, SIGURG, SIGWINCH (with 't': our window size as 'w'
 * "ROWS COLS"), the faults of this process, signals our caller ignores, and those we raised
 * ourselves (SIGPIPE of a closed stdout). With 't', our stdin goes as 'i' bytes and 'c' at its
 * end. Signals are held from the request on, so none is lost while the server decides.
 * Nothing here decides: the server chooses which process a signal or a size reaches.
 *
 * A server that goes away mid-call (no 'x') is reported on stderr and, as the JVM reports its
 * errors, in the caller's --log: exit status 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "protocol.h"
#include "stage.h"

extern char **environ;

struct buf {
  char *p;
  size_t n, cap;
};

static int put(struct buf *b, const char *s) {
  size_t len = strlen(s) + 1;
  if (b->n + len > b->cap) {
    size_t cap = (b->cap + len) * 2;
    char *p = realloc(b->p, cap);
    if (p == NULL)
      return -1;
    b->p = p, b->cap = cap;
  }
  memcpy(b->p + b->n, s, len);
  b->n += len;
  return 0;
}

static int put_num(struct buf *b, long v) {
  char num[24];
  snprintf(num, sizeof num, "%ld", v);
  return put(b, num);
}

/* MSG_NOSIGNAL: a server that went away is an error to report, not a SIGPIPE to die of */
static int send_frame(int fd, uint8_t type, const void *payload, uint32_t len) {
  unsigned char hdr[5] = {type, (unsigned char)len, (unsigned char)(len >> 8),
                          (unsigned char)(len >> 16), (unsigned char)(len >> 24)};
  struct iovec iov[2] = {{hdr, sizeof hdr}, {(void *)payload, len}};
  struct msghdr m = {.msg_iov = iov, .msg_iovlen = len ? 2 : 1};
  while (m.msg_iovlen > 0) {
    ssize_t w = sendmsg(fd, &m, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR)
      continue;
    if (w < 0)
      return -1;
    while (m.msg_iovlen > 0 && (size_t)w >= m.msg_iov->iov_len) {
      w -= (ssize_t)m.msg_iov->iov_len;
      m.msg_iov++, m.msg_iovlen--;
    }
    if (m.msg_iovlen > 0) {
      m.msg_iov->iov_base = (char *)m.msg_iov->iov_base + w;
      m.msg_iov->iov_len -= (size_t)w;
    }
  }
  return 0;
}

static int request(int fd, char **args, int nargs) {
  struct buf b = {0};
  char cwd[4096];
  if (getcwd(cwd, sizeof cwd) == NULL)
    return -1;
  int nenv = 0;
  while (environ[nenv] != NULL)
    nenv++;
  int bad = put(&b, "2") | put_num(&b, getpid()) | put(&b, cwd) | put_num(&b, nargs);
  for (int i = 0; i < nargs; i++)
    bad |= put(&b, args[i]);
  bad |= put_num(&b, nenv);
  for (int i = 0; i < nenv; i++)
    bad |= put(&b, environ[i]);
  int rc = bad || b.n > FRAME_MAX ? -1 : send_frame(fd, 'R', b.p, (uint32_t)b.n);
  free(b.p);
  return rc;
}

/* Everything we can catch, but our own faults and what our caller chose to ignore. */
static void catchable(sigset_t *set) {
  static const int faults[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS};
  sigfillset(set);
  for (size_t i = 0; i < sizeof faults / sizeof faults[0]; i++)
    sigdelset(set, faults[i]);
  for (int s = 1; s < NSIG; s++) {
    struct sigaction sa;
    if (sigismember(set, s) == 1 && sigaction(s, NULL, &sa) == 0 && sa.sa_handler == SIG_IGN)
      sigdelset(set, s);
  }
}

struct call {
  int sock;
  int sigfd;  /* forwarding signals, else -1 */
  int in;     /* our stdin, while it is relayed to the terminal, else -1 */
  int terminal; /* 't' came */
  int tty;    /* the terminal whose size we report, else -1 */
  int raw;    /* saved holds the settings to restore */
  struct termios saved;
};

static void send_size(struct call *c) {
  struct winsize ws;
  if (c->tty < 0 || ioctl(c->tty, TIOCGWINSZ, &ws) < 0 || ws.ws_row == 0 || ws.ws_col == 0)
    return;
  char text[32];
  int n = snprintf(text, sizeof text, "%u %u", ws.ws_row, ws.ws_col);
  send_frame(c->sock, 'w', text, (uint32_t)n);
}

/* 't': as runc, the terminal is the first of stderr, stdout and stdin that is one, else our
 * controlling terminal; it goes raw (the container's pty does the line discipline). */
static void relay_terminal(struct call *c) {
  static const int fds[] = {2, 1, 0};
  for (size_t i = 0; i < 3 && c->tty < 0; i++)
    if (isatty(fds[i]))
      c->tty = fds[i];
  if (c->tty < 0)
    c->tty = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (c->tty >= 0 && tcgetattr(c->tty, &c->saved) == 0) {
    struct termios raw = c->saved;
    cfmakeraw(&raw);
    c->raw = tcsetattr(c->tty, TCSANOW, &raw) == 0;
  }
  send_size(c);
  c->terminal = 1;
  c->in = 0;
}

static void forward_signals(struct call *c) {
  struct signalfd_siginfo si;
  while (read(c->sigfd, &si, sizeof si) == (ssize_t)sizeof si) {
    int s = (int)si.ssi_signo;
    if (s == SIGWINCH)
      send_size(c);
    else if (s != SIGCHLD && s != SIGURG && si.ssi_pid != (uint32_t)getpid()) {
      char num[16];
      int n = snprintf(num, sizeof num, "%d", s);
      send_frame(c->sock, 'k', num, (uint32_t)n);
    }
  }
}

static void forward_input(struct call *c) {
  char buf[16384];
  ssize_t r = read(c->in, buf, sizeof buf);
  if (r < 0 && (errno == EINTR || errno == EAGAIN))
    return;
  if (r > 0) {
    send_frame(c->sock, 'i', buf, (uint32_t)r);
    return;
  }
  send_frame(c->sock, 'c', NULL, 0);
  c->in = -1;
}

/* After 'a': relays until 'x' and returns its status, or -1 when the server went away. */
static int relay(struct call *c) {
  for (;;) {
    struct pollfd p[3] = {{c->sock, POLLIN, 0}, {c->sigfd, POLLIN, 0}, {c->in, POLLIN, 0}};
    if (poll(p, 3, -1) < 0) {
      if (errno == EINTR)
        continue;
      return -1;
    }
    if (p[1].revents & POLLIN)
      forward_signals(c);
    if (p[2].revents)
      forward_input(c);
    if (p[0].revents == 0)
      continue;
    uint8_t type;
    char *payload;
    uint32_t n;
    if (frame_read(c->sock, &type, &payload, &n) < 0)
      return -1;
    int code = -2;
    if (type == 'o' || type == 'e')
      write_full(type == 'o' ? 1 : 2, payload, n);
    else if (type == 't' && !c->terminal)
      relay_terminal(c);
    else if (type == 'x')
      code = atoi(payload) & 0xff;
    free(payload);
    if (code >= 0)
      return code;
  }
}

/* The value of global flag NAME ("--log"), given as "--log V" or "--log=V", or NULL. The global
 * flags come before the command, and only these take a value (RuntimeLauncher's list). */
static const char *global_flag(char **args, int nargs, const char *name) {
  static const char *const valued[] = {"--root", "--log", "--log-format", "--rootless", "--criu"};
  size_t len = strlen(name);
  for (int i = 0; i < nargs && args[i][0] == '-'; i++) {
    if (strncmp(args[i], name, len) == 0 && args[i][len] == '=')
      return args[i] + len + 1;
    if (strcmp(args[i], name) == 0)
      return i + 1 < nargs ? args[i + 1] : NULL;
    for (size_t v = 0; v < sizeof valued / sizeof valued[0]; v++)
      if (strcmp(args[i], valued[v]) == 0) {
        i++;
        break;
      }
  }
  return NULL;
}

/* MSG (no quote or backslash in it) as the last error in the caller's --log, in the format it
 * asked for, as the JVM writes one (RuntimeMain.logLine): containerd reads the error there. */
static void log_error(char **args, int nargs, const char *msg) {
  const char *path = global_flag(args, nargs, "--log");
  const char *format = global_flag(args, nargs, "--log-format");
  if (path == NULL)
    return;
  struct timespec now;
  struct tm tm;
  char time[64];
  clock_gettime(CLOCK_REALTIME, &now);
  gmtime_r(&now.tv_sec, &tm);
  size_t n = strftime(time, sizeof time, "%Y-%m-%dT%H:%M:%S", &tm);
  long ns = now.tv_nsec;
  if (ns != 0) {
    int digits = 9;
    while (ns % 10 == 0)
      ns /= 10, digits--;
    snprintf(time + n, sizeof time - n, ".%0*ld", digits, ns);
  }
  int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0)
    return;
  if (format != NULL && strcmp(format, "json") == 0)
    dprintf(fd, "{\"level\":\"error\",\"msg\":\"%s\",\"time\":\"%sZ\"}\n", msg, time);
  else
    dprintf(fd, "time=\"%sZ\" level=error msg=\"%s\"\n", time, msg);
  close(fd);
}

/* The exit status the server reports; else the JVM has to run here: -1 when no server answered,
 * -2 when it declined. */
int remote(const char *path, char **args, int nargs) {
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  if (strlen(path) >= sizeof addr.sun_path)
    return -1;
  strcpy(addr.sun_path, path);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return -1;
  sigset_t held, before;
  catchable(&held);
  sigprocmask(SIG_BLOCK, &held, &before);
  uint8_t type = 0;
  char *p = NULL;
  uint32_t n;
  if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0 || request(fd, args, nargs) < 0 ||
      frame_read(fd, &type, &p, &n) < 0 || type != 'a') {
    /* gone before a word (nothing was done, so the JVM may do it), or declined */
    close(fd);
    free(p);
    sigprocmask(SIG_SETMASK, &before, NULL); /* what came meanwhile takes its course now */
    return type == 'f' ? -2 : -1;
  }
  struct call c = {.sock = fd, .sigfd = -1, .in = -1, .tty = -1};
  if (strcmp(p, "1") == 0)
    c.sigfd = signalfd(-1, &held, SFD_CLOEXEC | SFD_NONBLOCK);
  if (c.sigfd < 0)
    sigprocmask(SIG_SETMASK, &before, NULL);
  free(p);
  int code = relay(&c);
  if (c.raw)
    tcsetattr(c.tty, TCSANOW, &c.saved);
  close(fd);
  if (code >= 0)
    return code;
  static const char gone[] = "the runtime server went away during the call (see its log); a process it"
                             " started may still run (berth-runtime list)";
  fprintf(stderr, "berth-runtime: %s\n", gone);
  log_error(args, nargs, gone);
  return 1;
}
