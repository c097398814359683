/*
 * OP_TMPFS: a tmpfs as runc mounts one from an OCI bundle. Its top directory takes the mode of
 * the directory it covers, and with runc's `tmpcopyup` it starts with a copy of what that
 * directory held (podman asks for it on the tmpfs mounts of --read-only and --tmpfs). The copy
 * reads the covered directory through a descriptor opened before the mount: no scratch mount.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stage.h"

static int copy_file(int src, int dst, const char *name, mode_t mode) {
  int in = openat(src, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (in < 0)
    return -1;
  int out = openat(dst, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode & 07777);
  if (out < 0) {
    close(in);
    return -1;
  }
  char buf[65536];
  ssize_t n;
  int rc = 0;
  while ((n = read(in, buf, sizeof buf)) != 0) {
    if (n < 0) {
      if (errno == EINTR)
        continue;
      rc = -1;
      break;
    }
    if (write_full(out, buf, (size_t)n) < 0) {
      rc = -1;
      break;
    }
  }
  close(in);
  if (close(out) < 0)
    rc = -1;
  return rc;
}

/* One entry of src into dst, with its owner and mode; directories recursively. */
static int copy_tree(int src, int dst, int depth);

static int copy_entry(int src, int dst, const char *name, int depth) {
  struct stat st;
  if (fstatat(src, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return -1;
  if (S_ISDIR(st.st_mode)) {
    if (mkdirat(dst, name, 0700) < 0)
      return -1;
    int s = openat(src, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    int d = s < 0 ? -1 : openat(dst, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    int rc = d < 0 ? -1 : copy_tree(s, d, depth + 1);
    int err = errno;
    if (s >= 0)
      close(s);
    if (d >= 0)
      close(d);
    errno = err;
    if (rc < 0)
      return -1;
  } else if (S_ISREG(st.st_mode)) {
    if (copy_file(src, dst, name, st.st_mode) < 0)
      return -1;
  } else if (S_ISLNK(st.st_mode)) {
    char target[PATH_MAX];
    ssize_t n = readlinkat(src, name, target, sizeof target - 1);
    if (n < 0)
      return -1;
    target[n] = '\0';
    if (symlinkat(target, dst, name) < 0)
      return -1;
  } else if (mknodat(dst, name, st.st_mode, st.st_rdev) < 0) { /* fifos, sockets, devices */
    return -1;
  }
  /* the owner first: chown clears the set-id bits that the mode then sets */
  if (fchownat(dst, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0)
    return -1;
  if (!S_ISLNK(st.st_mode) && fchmodat(dst, name, st.st_mode & 07777, 0) < 0)
    return -1;
  return 0;
}

static int copy_tree(int src, int dst, int depth) {
  if (depth > 128) {
    errno = ELOOP;
    return -1;
  }
  int fd = dup(src);
  DIR *d = fd < 0 ? NULL : fdopendir(fd);
  if (d == NULL) {
    if (fd >= 0)
      close(fd);
    return -1;
  }
  int rc = 0;
  struct dirent *e;
  errno = 0;
  while ((e = readdir(d)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
      continue;
    if (copy_entry(src, dst, e->d_name, depth) < 0) {
      rc = -1;
      break;
    }
    errno = 0;
  }
  if (rc == 0 && errno != 0)
    rc = -1;
  int err = errno;
  closedir(d);
  errno = err;
  return rc;
}

int tmpfs_mount(const char *path, unsigned long flags, const char *data, int copyup) {
  struct stat st;
  int existed = stat(path, &st) == 0;
  if (!existed && (errno != ENOENT || mkdir_p(path, 0755) < 0))
    return -1;
  int src = -1;
  if (existed && copyup && (src = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
    return -1;
  /* read-only only once filled */
  int rc = mount("tmpfs", path, "tmpfs", flags & ~(unsigned long)MS_RDONLY, data);
  int dst = rc < 0 ? -1 : open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (rc == 0 && dst < 0)
    rc = -1;
  if (rc == 0 && src >= 0)
    rc = copy_tree(src, dst, 0);
  if (rc == 0 && existed)
    rc = fchmod(dst, st.st_mode & 07777);
  int err = errno;
  if (src >= 0)
    close(src);
  if (dst >= 0)
    close(dst);
  errno = err;
  if (rc == 0 && (flags & MS_RDONLY))
    rc = mount("", path, "", MS_REMOUNT | flags, data);
  return rc;
}
