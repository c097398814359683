/*
 * OP_TMPFS: a tmpfs as runc mounts one from an OCI bundle. Its top directory takes the mode of
 * the directory it covers, and with runc's `tmpcopyup` it starts with a copy of what that
 * directory held (podman asks for it on the tmpfs mounts of --read-only and --tmpfs). The copy
 * reads the covered directory through a descriptor opened before the mount: no scratch mount.
 * In a container's root (RF_IN_ROOT) the directory is found as inroot.c finds it, and mounted
 * on through its descriptor.
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

/* An O_PATH descriptor of the directory at path, in root or a plain path; made if missing
 * (*existed then 0: runc gives the top the covered directory's mode only when there was one). */
static int target_dir(int root, const char *path, int *existed) {
  *existed = 1;
  int fd = root >= 0 ? in_root_open(root, path, IR_FOLLOW, 0) : open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0 || errno != ENOENT)
    return fd;
  *existed = 0;
  if (root >= 0)
    return in_root_open(root, path, IR_FOLLOW | IR_MKDIR, 0755);
  if (mkdir_p(path, 0755) < 0)
    return -1;
  return open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

int tmpfs_mount(int root, const char *path, unsigned long flags, const char *data, int copyup) {
  char buf[FD_PATH_MAX];
  struct stat st;
  int existed;
  int covered = target_dir(root, path, &existed);
  if (covered < 0)
    return -1;
  int src = -1, dst = -1, top = -1;
  int rc = fstat(covered, &st);
  if (rc == 0 && existed && copyup && (src = openat(covered, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
    rc = -1;
  /* read-only only once filled */
  if (rc == 0)
    rc = mount("tmpfs", fd_path(covered, buf), "tmpfs", flags & ~(unsigned long)MS_RDONLY, data);
  /* a descriptor of the covered directory stays below the new mount: look the path up again */
  if (rc == 0 && (top = root >= 0 ? in_root_open(root, path, IR_FOLLOW, 0)
                                   : open(path, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
    rc = -1;
  if (rc == 0 && (dst = openat(top, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
    rc = -1;
  if (rc == 0 && src >= 0)
    rc = copy_tree(src, dst, 0);
  if (rc == 0 && existed)
    rc = fchmod(dst, st.st_mode & 07777);
  if (rc == 0 && (flags & MS_RDONLY))
    rc = mount("", fd_path(top, buf), "", MS_REMOUNT | flags, data);
  int err = errno;
  int fds[] = {covered, src, top, dst};
  for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++)
    if (fds[i] >= 0)
      close(fds[i]);
  errno = err;
  return rc;
}
