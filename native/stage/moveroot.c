/*
 * OP_MOVE_ROOT: the container's root without pivot_root, which the kernel refuses for a root on
 * the initramfs (rootfs can be neither unmounted nor pivoted away). runc's --no-pivot and
 * switch_root(8) do the same: move the new root's mount onto / and chroot into it.
 *
 * The old root stays in the mount namespace, underneath. No path leads there: ".." at the top of
 * the moved mount steps onto its mount point and the walk goes down into the topmost mount again,
 * which is the new root; and setns(2) into this namespace starts on the topmost mount of "/" too.
 * What stays is a kernel check: a user namespace may mount a new proc or sysfs only where the
 * namespace holds one that shows the whole filesystem, which the host's would. So, as runc does,
 * the mounts of the types Java lists (proc, sysfs) that show their whole filesystem and lie
 * outside the new root are detached first, or covered by an empty tmpfs where that is refused.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "stage.h"

/* The whole of a /proc file: NUL-terminated, malloc'd; NULL with errno on failure. */
static char *slurp(const char *path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return NULL;
  size_t cap = 1 << 16, len = 0;
  char *buf = malloc(cap);
  for (;;) {
    if (buf == NULL)
      break;
    if (len + 1 >= cap) {
      char *bigger = realloc(buf, cap *= 2);
      if (bigger == NULL) {
        free(buf);
        buf = NULL;
        break;
      }
      buf = bigger;
    }
    ssize_t n = TEMP_FAILURE_RETRY_INT(read(fd, buf + len, cap - len - 1));
    if (n < 0) {
      free(buf);
      buf = NULL;
      break;
    }
    if (n == 0) {
      buf[len] = '\0';
      break;
    }
    len += (size_t)n;
  }
  int err = errno;
  close(fd);
  errno = err;
  return buf;
}

/* mountinfo writes space, tab, newline and backslash in a path as \ooo: undone in place */
static void unescape(char *s) {
  char *out = s;
  for (char *p = s; *p; p++) {
    if (p[0] == '\\' && p[1] >= '0' && p[1] <= '7' && p[2] >= '0' && p[2] <= '7' && p[3] >= '0' &&
        p[3] <= '7') {
      *out++ = (char)((p[1] - '0') * 64 + (p[2] - '0') * 8 + (p[3] - '0'));
      p += 3;
    } else {
      *out++ = *p;
    }
  }
  *out = '\0';
}

static int under(const char *path, const char *root) {
  size_t n = strlen(root);
  while (n > 1 && root[n - 1] == '/')
    n--;
  return strncmp(path, root, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

static int wanted_type(const struct record *r, const char *fstype) {
  for (int i = 1; i < r->argc; i++)
    if (strcmp(r->argv[i], fstype) == 0)
      return 1;
  return 0;
}

/* Detaches one mount point; ENOENT or EINVAL at the first call: it went with a mount above it. */
static int hide(const char *path) {
  /* rslave first: our unmount must not propagate back to the host's mount */
  if (mount(NULL, path, NULL, MS_SLAVE | MS_REC, NULL) < 0)
    return errno == ENOENT || errno == EINVAL ? 0 : -1;
  if (umount2(path, MNT_DETACH) == 0)
    return 0;
  if (errno != EINVAL && errno != EPERM)
    return -1;
  /* a mount locked by a user namespace cannot go: cover it */
  return mount("tmpfs", path, "tmpfs", 0, NULL);
}

/* The listed fstypes' whole-filesystem mounts outside root, detached or covered. */
static int hide_outside(const struct record *r, const char *root) {
  char *info = slurp("/proc/self/mountinfo");
  if (info == NULL)
    return -1;
  int rc = 0;
  for (char *line = info, *next; rc == 0 && line != NULL && *line; line = next) {
    next = strchr(line, '\n');
    if (next != NULL)
      *next++ = '\0';
    /* id parent major:minor root mount-point options [optional ...] - fstype source super */
    char *field[5], *save = NULL, *p = line;
    int n = 0;
    for (char *tok; n < 5 && (tok = strtok_r(p, " ", &save)) != NULL; p = NULL)
      field[n++] = tok;
    char *dash = n == 5 && save != NULL ? strstr(save, " - ") : NULL;
    if (dash == NULL)
      continue;
    char *fstype = strtok_r(dash + 3, " ", &save);
    if (fstype == NULL || !wanted_type(r, fstype))
      continue;
    unescape(field[3]);
    unescape(field[4]);
    if (strcmp(field[3], "/") != 0 || under(field[4], root))
      continue;
    rc = hide(field[4]);
  }
  int err = errno;
  free(info);
  errno = err;
  return rc;
}

int move_root(const struct record *r) {
  if (r->argc < 1 || r->argv[0][0] != '/') {
    errno = EINVAL;
    return -1;
  }
  const char *root = r->argv[0];
  if (hide_outside(r, root) < 0)
    return -1;
  if (chdir(root) < 0)
    return -1;
  if (mount(root, "/", NULL, MS_MOVE, NULL) < 0)
    return -1;
  /* our root is still the old one (a moved mount does not move anyone's root): the moved
   * mount, which "." still is, becomes it */
  if (chroot(".") < 0)
    return -1;
  return chdir("/");
}
