/*
 * OP_BIND: a bind mount and its flags in one step.
 *
 * mount(2) ignores MS_RDONLY, MS_NOSUID, ... on a bind: they take a second call, a remount,
 * on a path. Inside a container's root that path is looked up again, and a link swapped in
 * meanwhile (a shared volume another container changes) sends the remount to some other mount
 * inside the root: the bind itself then stays writable. So, as runc 1.2 and crun do, the
 * mount is made detached first and given its flags there, where nothing can reach it:
 * open_tree(OPEN_TREE_CLONE) of the source, mount_setattr on that tree, then move_mount onto
 * the descriptor of the target, found once (inroot.c). The mount arrives with its flags.
 * Propagation is set last, through the same descriptor, which now is the attached mount: no
 * path is looked up again.
 *
 * Kernels without these calls (ENOSYS: open_tree and move_mount came in 5.2, mount_setattr in
 * 5.12), or BERTH_MOUNT_API=off to test it, take the old way: mount, then each change on the
 * target looked up again.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "stage.h"

#define ATTR_FLAGS (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)

static int mount_api = -1; /* -1: not known yet, 0: missing or turned off, 1: in use */

static unsigned long num(const char *s) { return strtoul(s, NULL, 0); }

static uint64_t attrs(unsigned long ms) {
  uint64_t a = 0;
  if (ms & MS_RDONLY)
    a |= MOUNT_ATTR_RDONLY;
  if (ms & MS_NOSUID)
    a |= MOUNT_ATTR_NOSUID;
  if (ms & MS_NODEV)
    a |= MOUNT_ATTR_NODEV;
  if (ms & MS_NOEXEC)
    a |= MOUNT_ATTR_NOEXEC;
  return a;
}

int set_mount_flags(const char *path, unsigned long flags, int recursive) {
  struct mount_attr attr = {.attr_set = attrs(flags)};
  if (mount_setattr(AT_FDCWD, path, recursive ? AT_RECURSIVE : 0, &attr, sizeof attr) == 0)
    return 0;
  if (errno != ENOSYS)
    return -1;
  /* MS_REMOUNT replaces the flags: the ones set stay (and those the kernel locked in a user
   * namespace must be repeated, or it refuses with EPERM). Only this mount, not its children. */
  struct statvfs sv;
  if (statvfs(path, &sv) < 0)
    return -1;
  unsigned long set = 0;
  if (sv.f_flag & ST_RDONLY)
    set |= MS_RDONLY;
  if (sv.f_flag & ST_NOSUID)
    set |= MS_NOSUID;
  if (sv.f_flag & ST_NODEV)
    set |= MS_NODEV;
  if (sv.f_flag & ST_NOEXEC)
    set |= MS_NOEXEC;
  return mount(NULL, path, NULL, MS_REMOUNT | MS_BIND | set | (flags & ATTR_FLAGS), NULL);
}

static int keep_errno(int fd, int rc) {
  int err = errno;
  if (fd >= 0)
    close(fd);
  errno = err;
  return rc;
}

/* The old way: bind onto the target found, then each change on the target looked up anew. */
static int bind_then_change(int root, const struct record *r, const char *src, int tfd) {
  unsigned long bind = num(r->argv[2]), top = num(r->argv[3]), all = num(r->argv[4]);
  unsigned long propagation = num(r->argv[5]);
  char buf[FD_PATH_MAX];
  if (mount(src, fd_path(tfd, buf), NULL, MS_BIND | (bind & MS_REC), NULL) < 0)
    return -1;
  if ((top | all | propagation) == 0)
    return 0;
  int fd = r->flags & RF_IN_ROOT ? in_root_open(root, r->argv[1], IR_FOLLOW, 0)
                                 : open(r->argv[1], O_PATH | O_CLOEXEC);
  if (fd < 0)
    return -1;
  const char *path = fd_path(fd, buf);
  int rc = 0;
  if (all)
    rc = set_mount_flags(path, all, 1);
  if (rc == 0 && top)
    rc = set_mount_flags(path, top, 0);
  if (rc == 0 && propagation)
    rc = mount(NULL, path, NULL, propagation, NULL);
  return keep_errno(fd, rc);
}

/* The tree is detached: nothing but this descriptor reaches it until it is moved. */
static int clone_with_flags(const struct record *r, int sfd, const char *src) {
  unsigned long bind = num(r->argv[2]), top = num(r->argv[3]), all = num(r->argv[4]);
  unsigned int at = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (bind & MS_REC ? AT_RECURSIVE : 0);
  int tree = sfd >= 0 ? open_tree(sfd, "", at | AT_EMPTY_PATH) : open_tree(AT_FDCWD, src, at);
  if (tree < 0)
    return -1;
  struct mount_attr every = {.attr_set = attrs(all)}, one = {.attr_set = attrs(top)};
  if ((all && mount_setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &every, sizeof every) < 0) ||
      (top && mount_setattr(tree, "", AT_EMPTY_PATH, &one, sizeof one) < 0))
    return keep_errno(tree, -1);
  return tree;
}

/* root: the OP_ROOT descriptor RF_IN_ROOT paths are resolved in */
int bind_step(int root, const struct record *r) {
  if (r->argc < 6) {
    errno = EINVAL;
    return -1;
  }
  if (mount_api < 0) {
    const char *env = getenv("BERTH_MOUNT_API");
    mount_api = env == NULL || strcmp(env, "off") != 0;
  }
  const char *src = r->argv[0];
  char sbuf[FD_PATH_MAX], tbuf[FD_PATH_MAX];
  int sfd = -1, tfd = -1, tree = -1, rc = -1;
  if ((r->flags & RF_SOURCE_IN_ROOT) && (sfd = in_root_open(root, src, IR_FOLLOW, 0)) < 0)
    return -1;
  tfd = r->flags & RF_IN_ROOT ? in_root_open(root, r->argv[1], IR_FOLLOW, 0)
                              : open(r->argv[1], O_PATH | O_CLOEXEC);
  if (tfd < 0)
    return keep_errno(sfd, -1);
  if (mount_api)
    tree = clone_with_flags(r, sfd, src);
  if (tree >= 0) {
    unsigned long propagation = num(r->argv[5]);
    struct mount_attr attr = {.propagation = propagation & ~(unsigned long)MS_REC};
    unsigned int at = AT_EMPTY_PATH | (propagation & MS_REC ? AT_RECURSIVE : 0);
    rc = move_mount(tree, "", tfd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
    /* the descriptor now holds the attached mount; mount(2) reaches it through its fd path */
    if (rc == 0 && propagation && (rc = mount_setattr(tree, "", at, &attr, sizeof attr)) < 0 && errno == ENOSYS)
      rc = mount(NULL, fd_path(tree, tbuf), NULL, propagation, NULL);
    keep_errno(tree, rc);
  } else if (!mount_api || errno == ENOSYS) {
    mount_api = 0;
    rc = bind_then_change(root, r, sfd >= 0 ? fd_path(sfd, sbuf) : src, tfd);
  }
  keep_errno(sfd, rc);
  return keep_errno(tfd, rc);
}
