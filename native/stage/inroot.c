/*
 * Paths inside a container's root, looked up the way the container will see them (RF_IN_ROOT).
 *
 * Before pivot_root the stage works on the container's root at its host path. A plain
 * mount(src, "ROOT/data") follows whatever /data is at that moment: a symlink in the image, or
 * one that another container swaps in a shared volume (runc's CVE-2021-30465), sends the mount,
 * a mkdir or a mknod to the host. So every target under the root is resolved here with the root
 * as "/": an absolute symlink starts again at the root, ".." stops there. The result is an
 * O_PATH descriptor, and the step acts on that descriptor (mount onto /proc/self/fd/N, mkdirat,
 * symlinkat, mknodat), never on the path again: what the path means after the lookup no longer
 * matters.
 *
 * The kernel does the lookup: openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS), Linux 5.6,
 * retried on EAGAIN (a rename raced with a ".."). Without it (ENOSYS, or BERTH_OPENAT2=off to
 * test the other way) and to create missing directories, one component at a time: openat(one
 * name, O_PATH | O_NOFOLLOW) relative to the descriptor of the step before; a symlink is read
 * through its own descriptor and its text put in front of what is left; ".." drops the last
 * descriptor held instead of asking the kernel for a parent. No rename, mount or symlink swap
 * made meanwhile can lead above the root. (dev.berth.linux.InRoot does the same for berth cp.)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "stage.h"

#define MAX_LINKS 40
#define MAX_DEPTH 256

static int openat2_state = -1; /* -1: not known yet, 0: missing or turned off, 1: in use */

static int openat2_in_root(int root, const char *rel, int follow) {
  struct open_how how = {0};
  how.flags = O_PATH | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW);
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  for (int i = 0; i < 128; i++) {
    int fd = (int)syscall(SYS_openat2, root, *rel ? rel : ".", &how, sizeof how);
    if (fd >= 0 || errno != EAGAIN)
      return fd;
  }
  return -1;
}

static void close_all(int *fds, int *n) {
  while (*n > 0)
    close(fds[--*n]);
}

/* The component walk; with IR_MKDIR a missing directory is made (the last one with mode). */
static int walk(int root, const char *path, int flags, mode_t mode) {
  static char rest[2 * PATH_MAX];
  int held[MAX_DEPTH];
  int n = 0, links = 0;
  if (strlen(path) >= sizeof rest) {
    errno = ENAMETOOLONG;
    return -1;
  }
  strcpy(rest, path);
  char *p = rest;
  for (;;) {
    while (*p == '/')
      p++;
    if (*p == '\0')
      break;
    char *end = strchrnul(p, '/');
    size_t len = (size_t)(end - p);
    char name[NAME_MAX + 1];
    if (len > NAME_MAX) {
      errno = ENAMETOOLONG;
      goto fail;
    }
    memcpy(name, p, len);
    name[len] = '\0';
    p = end;
    const char *after = p;
    while (*after == '/')
      after++;
    int last = *after == '\0';
    if (strcmp(name, ".") == 0)
      continue;
    if (strcmp(name, "..") == 0) { /* never above the root: the root is not held */
      if (n > 0)
        close(held[--n]);
      continue;
    }
    int dir = n > 0 ? held[n - 1] : root;
    int fd = openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT && (flags & IR_MKDIR)) {
      if (mkdirat(dir, name, last ? mode : 0755) < 0 && errno != EEXIST)
        goto fail;
      fd = openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    }
    if (fd < 0)
      goto fail;
    struct stat st;
    if (fstat(fd, &st) < 0) {
      close(fd);
      goto fail;
    }
    if (S_ISLNK(st.st_mode) && (!last || (flags & IR_FOLLOW))) {
      char target[PATH_MAX];
      ssize_t tl = readlinkat(fd, "", target, sizeof target - 1);
      close(fd);
      if (tl < 0)
        goto fail;
      if (++links > MAX_LINKS) {
        errno = ELOOP;
        goto fail;
      }
      size_t left = strlen(p);
      if ((size_t)tl + 1 + left >= sizeof rest) {
        errno = ENAMETOOLONG;
        goto fail;
      }
      memmove(rest + tl + 1, p, left + 1);
      memcpy(rest, target, (size_t)tl);
      rest[tl] = '/';
      p = rest;
      if (target[0] == '/') /* absolute: from the root again */
        close_all(held, &n);
      continue;
    }
    if (!last && !S_ISDIR(st.st_mode)) {
      close(fd);
      errno = ENOTDIR;
      goto fail;
    }
    if (n == MAX_DEPTH) {
      close(fd);
      errno = ENAMETOOLONG;
      goto fail;
    }
    held[n++] = fd;
  }
  if (n == 0)
    return fcntl(root, F_DUPFD_CLOEXEC, 0);
  int out = held[--n];
  close_all(held, &n);
  return out;
fail: {
  int err = errno;
  close_all(held, &n);
  errno = err;
  return -1;
}
}

int in_root_open(int root, const char *path, int flags, mode_t mode) {
  if (root < 0) {
    errno = EBADF; /* a record marked RF_IN_ROOT before any OP_ROOT */
    return -1;
  }
  if (openat2_state < 0) {
    const char *env = getenv("BERTH_OPENAT2");
    openat2_state = env == NULL || strcmp(env, "off") != 0;
  }
  while (*path == '/')
    path++;
  if (openat2_state) {
    int fd = openat2_in_root(root, path, flags & IR_FOLLOW);
    if (fd >= 0 || (errno != ENOSYS && !(errno == ENOENT && (flags & IR_MKDIR))))
      return fd;
    if (errno == ENOSYS)
      openat2_state = 0;
  }
  /* A directory made on the way can be removed before it is opened, or one held can be
   * removed before the next is made in it (a volume another container changes): start again,
   * a few times, then report ENOENT. */
  int fd = walk(root, path, flags, mode);
  for (int i = 0; fd < 0 && errno == ENOENT && (flags & IR_MKDIR) && i < 8; i++)
    fd = walk(root, path, flags, mode);
  return fd;
}

int in_root_parent(int root, const char *path, char name[NAME_MAX + 1]) {
  char dir[PATH_MAX];
  size_t len = strlen(path);
  if (len >= sizeof dir) {
    errno = ENAMETOOLONG;
    return -1;
  }
  strcpy(dir, path);
  while (len > 0 && dir[len - 1] == '/')
    dir[--len] = '\0';
  char *slash = strrchr(dir, '/');
  const char *last = slash ? slash + 1 : dir;
  if (*last == '\0' || strcmp(last, ".") == 0 || strcmp(last, "..") == 0 || strlen(last) > NAME_MAX) {
    errno = EINVAL; /* the root itself, or a path without a last name */
    return -1;
  }
  strcpy(name, last);
  if (slash)
    *slash = '\0';
  else
    dir[0] = '\0';
  return in_root_open(root, dir, IR_FOLLOW, 0);
}

const char *fd_path(int fd, char buf[FD_PATH_MAX]) {
  snprintf(buf, FD_PATH_MAX, "/proc/self/fd/%d", fd);
  return buf;
}
