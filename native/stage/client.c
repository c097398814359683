/*
 * `berth-stage --client SOCKET N --launch JAVA ARG...`: berth-runtime's warm path. containerd's
 * shim runs create, start, state and delete as four processes; each would pay a JVM start. This
 * forks the stage exactly as --launch does, so the container stays our caller's descendant,
 * then asks the warm runtime server on SOCKET to run the last N arguments with that stage.
 * When there is no server, or it declines (a foreground `run`, stdin needed), the JVM runs here
 * as with --launch, told through BERTH_RUNTIME_SERVE where a server may be started.
 *
 * Request: one frame 'R' holding NUL-terminated fields: "1" (version), our pid, our working
 * directory, N, the N arguments, the number of environment entries, the entries. The server
 * opens the stage's pipes through /proc/PID/fd/3 and 4. Replies: 'o' and 'e' carry bytes for
 * our stdout and stderr, 'x' the exit status (decimal) and ends the call, 'f' declines.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
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

static int request(int fd, char **args, int nargs) {
  struct buf b = {0};
  char cwd[4096];
  if (getcwd(cwd, sizeof cwd) == NULL)
    return -1;
  int nenv = 0;
  while (environ[nenv] != NULL)
    nenv++;
  int bad = put(&b, "1") | put_num(&b, getpid()) | put(&b, cwd) | put_num(&b, nargs);
  for (int i = 0; i < nargs; i++)
    bad |= put(&b, args[i]);
  bad |= put_num(&b, nenv);
  for (int i = 0; i < nenv; i++)
    bad |= put(&b, environ[i]);
  int rc = bad || b.n > FRAME_MAX ? -1 : frame_write(fd, 'R', b.p, (uint32_t)b.n);
  free(b.p);
  return rc;
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
  if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0 || request(fd, args, nargs) < 0) {
    close(fd);
    return -1;
  }
  int answered = 0;
  for (;;) {
    uint8_t type;
    char *p;
    uint32_t n;
    if (frame_read(fd, &type, &p, &n) < 0) {
      close(fd);
      if (answered)
        break;
      return -1; /* gone before a word: nothing was done, so the JVM may do it */
    }
    answered = 1;
    if (type == 'o' || type == 'e') {
      write_full(type == 'o' ? 1 : 2, p, n);
    } else if (type == 'x') {
      int code = atoi(p);
      free(p);
      close(fd);
      return code;
    } else if (type == 'f') {
      free(p);
      close(fd);
      return -2;
    }
    free(p);
  }
  fputs("berth-runtime: the runtime server went away during the call; see its log\n", stderr);
  return 1;
}
