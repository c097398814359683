/* Frame and program codecs, and the sync socket between the monitor and its children. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "stage.h"

int read_full(int fd, void *buf, size_t n) {
  char *p = buf;
  while (n > 0) {
    ssize_t r = TEMP_FAILURE_RETRY_INT(read(fd, p, n));
    if (r <= 0) {
      if (r == 0)
        errno = 0; /* EOF */
      return -1;
    }
    p += r;
    n -= (size_t)r;
  }
  return 0;
}

int write_full(int fd, const void *buf, size_t n) {
  const char *p = buf;
  while (n > 0) {
    ssize_t w = TEMP_FAILURE_RETRY_INT(write(fd, p, n));
    if (w < 0)
      return -1;
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

/* Writes all of text to an existing file, as for /proc/PID/uid_map (no O_CREAT, no truncation). */
int write_file(const char *path, const char *text) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  int rc = write_full(fd, text, strlen(text));
  int saved = errno;
  close(fd);
  errno = saved;
  return rc;
}

int frame_read(int fd, uint8_t *type, char **payload, uint32_t *len) {
  unsigned char hdr[5];
  if (read_full(fd, hdr, sizeof hdr) < 0)
    return -1;
  uint32_t n = (uint32_t)hdr[1] | (uint32_t)hdr[2] << 8 | (uint32_t)hdr[3] << 16 |
               (uint32_t)hdr[4] << 24;
  if (n > FRAME_MAX) {
    errno = EMSGSIZE;
    return -1;
  }
  char *buf = malloc(n + 1);
  if (buf == NULL)
    return -1;
  if (read_full(fd, buf, n) < 0) {
    free(buf);
    if (errno == 0)
      errno = EPROTO; /* truncated frame */
    return -1;
  }
  buf[n] = '\0';
  *type = hdr[0];
  *payload = buf;
  *len = n;
  return 0;
}

int frame_write(int fd, uint8_t type, const void *payload, uint32_t len) {
  unsigned char hdr[5] = {type, (unsigned char)len, (unsigned char)(len >> 8),
                          (unsigned char)(len >> 16), (unsigned char)(len >> 24)};
  struct iovec iov[2] = {{hdr, sizeof hdr}, {(void *)payload, len}};
  size_t total = sizeof hdr + len;
  ssize_t w = TEMP_FAILURE_RETRY_INT(writev(fd, iov, len ? 2 : 1));
  if (w < 0)
    return -1;
  if ((size_t)w == total)
    return 0;
  /* a short write on a pipe: finish it by hand */
  if ((size_t)w < sizeof hdr) {
    if (write_full(fd, hdr + w, sizeof hdr - (size_t)w) < 0)
      return -1;
    return write_full(fd, payload, len);
  }
  return write_full(fd, (const char *)payload + (w - (ssize_t)sizeof hdr),
                    len - (uint32_t)(w - (ssize_t)sizeof hdr));
}

int frame_error(int fd, uint32_t step, int err, const char *text) {
  char buf[512];
  size_t tl = strnlen(text, sizeof buf - 8);
  uint32_t e = (uint32_t)err;
  memcpy(buf, &step, 4);
  memcpy(buf + 4, &e, 4);
  memcpy(buf + 8, text, tl);
  return frame_write(fd, F_ERROR, buf, (uint32_t)(8 + tl));
}

/* Records: u16 op, u16 flags, u32 len, then len bytes of NUL-terminated strings. */
int program_parse(char *buf, uint32_t len, struct program *prog) {
  size_t cap = 16, n = 0;
  struct record *recs = malloc(cap * sizeof *recs);
  uint32_t off = 0;
  if (recs == NULL)
    return -1;
  while (off < len) {
    if (len - off < 8)
      goto bad;
    uint16_t op, flags;
    uint32_t rl;
    memcpy(&op, buf + off, 2);
    memcpy(&flags, buf + off + 2, 2);
    memcpy(&rl, buf + off + 4, 4);
    off += 8;
    if (rl > len - off || (rl > 0 && buf[off + rl - 1] != '\0'))
      goto bad;
    int argc = 0;
    for (uint32_t i = 0; i < rl; i++)
      argc += buf[off + i] == '\0';
    char **argv = calloc((size_t)argc + 1, sizeof *argv);
    if (argv == NULL)
      goto bad;
    char *s = buf + off;
    for (int i = 0; i < argc; i++) {
      argv[i] = s;
      s += strlen(s) + 1;
    }
    if (n == cap) {
      cap *= 2;
      struct record *grown = realloc(recs, cap * sizeof *recs);
      if (grown == NULL)
        goto bad;
      recs = grown;
    }
    recs[n++] = (struct record){op, flags, argc, argv};
    off += rl;
  }
  prog->recs = recs;
  prog->n = n;
  return 0;
bad:
  free(recs);
  errno = EPROTO;
  return -1;
}

int sync_send(int fd, uint32_t type, uint32_t step, int err, int pid, const char *text) {
  struct sync_msg m = {.type = type, .step = step, .err = err, .pid = pid};
  if (text != NULL)
    strncpy(m.text, text, sizeof m.text - 1);
  return TEMP_FAILURE_RETRY_INT(send(fd, &m, sizeof m, MSG_NOSIGNAL)) == sizeof m ? 0 : -1;
}

int sync_send_fd(int fd, uint32_t type, int payload_fd) {
  struct sync_msg m = {.type = type};
  return send_fd(fd, &m, sizeof m, payload_fd);
}

/* One message of len bytes carrying payload_fd (SCM_RIGHTS); 0 when all of it went. */
int send_fd(int fd, const void *data, size_t len, int payload_fd) {
  struct iovec iov = {(void *)data, len};
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } u;
  memset(&u, 0, sizeof u);
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
                       .msg_controllen = sizeof u.buf};
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &payload_fd, sizeof(int));
  return TEMP_FAILURE_RETRY_INT(sendmsg(fd, &msg, MSG_NOSIGNAL)) == (long)len ? 0 : -1;
}

/* Returns 1 for a message, 0 for EOF (the peers closed or exec'd), -1 for an error. */
int sync_recv(int fd, struct sync_msg *m, int *received_fd) {
  struct iovec iov = {m, sizeof *m};
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } u;
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
                       .msg_controllen = sizeof u.buf};
  ssize_t r = TEMP_FAILURE_RETRY_INT(recvmsg(fd, &msg, MSG_CMSG_CLOEXEC));
  if (r == 0)
    return 0;
  if (r != sizeof *m) {
    if (r > 0)
      errno = EPROTO;
    return -1;
  }
  if (received_fd != NULL) {
    *received_fd = -1;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c))
      if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
        memcpy(received_fd, CMSG_DATA(c), sizeof(int));
  }
  m->text[sizeof m->text - 1] = '\0';
  return 1;
}
