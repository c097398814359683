/*
 * CVE-2019-5736: a process of ours that enters a container is visible there, and so is its
 * binary, through /proc/PID/exe (or by exec'ing a file whose "#!" line is /proc/self/exe). A
 * container's root could keep that file open and, once no process runs it, write to it: the
 * next berth on the host would run the container's code as root.
 *
 * So the stage runs itself again, before it reads its program, from a view of its own file that
 * nobody can write to: a detached read-only bind mount of the file (no namespace ever sees that
 * mount, and it costs no memory), or, on kernels without mount_setattr(2), a sealed memfd copy.
 * Unprivileged stages are left as they are: their containers hold no more than their user, who
 * can write the file anyway if it is theirs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stage.h"

extern char **environ;

static int readonly_view(void) {
  int fd = open_tree(AT_FDCWD, "/proc/self/exe", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
  if (fd < 0)
    return -1;
  struct mount_attr attr = {.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV};
  if (mount_setattr(fd, "", AT_EMPTY_PATH, &attr, sizeof attr) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

static int sealed_copy(void) {
  int src = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  int fd = memfd_create("berth-stage", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  struct stat st;
  int ok = src >= 0 && fd >= 0 && fstat(src, &st) == 0;
  for (off_t done = 0; ok && done < st.st_size;) {
    ssize_t n = sendfile(fd, src, NULL, (size_t)(st.st_size - done));
    ok = n > 0;
    done += n > 0 ? n : 0;
  }
  ok = ok && fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) == 0;
  if (src >= 0)
    close(src);
  if (!ok && fd >= 0)
    close(fd), fd = -1;
  return fd;
}

/* Returns only when it does not apply (0) or fails (-1, errno set). */
int reexec_sealed(const char *self) {
  if (geteuid() != 0)
    return 0;
  const char *how = getenv("BERTH_STAGE_SEAL"); /* "copy": the fallback, for its test */
  int fd = how != NULL && strcmp(how, "copy") == 0 ? -1 : readonly_view();
  if (fd < 0)
    fd = sealed_copy();
  if (fd < 0)
    return -1;
  /* the caller's stdio the stage keeps for OP_INHERIT_STDIO goes through the exec, by number */
  char fds[3][16];
  char *argv[] = {(char *)self, "--sealed", fds[0], fds[1], fds[2], NULL};
  for (int i = 0; i < 3; i++) {
    snprintf(fds[i], sizeof fds[i], "%d", caller_stdio[i]);
    if (caller_stdio[i] >= 0)
      fcntl(caller_stdio[i], F_SETFD, 0);
  }
  execveat(fd, "", argv, environ, AT_EMPTY_PATH);
  int err = errno;
  for (int i = 0; i < 3; i++)
    if (caller_stdio[i] >= 0)
      fcntl(caller_stdio[i], F_SETFD, FD_CLOEXEC);
  close(fd);
  errno = err;
  return -1;
}

void resume_sealed(int argc, char **argv) {
  for (int i = 0; i < 3 && i + 2 < argc; i++) {
    caller_stdio[i] = atoi(argv[i + 2]);
    if (caller_stdio[i] >= 0 && fcntl(caller_stdio[i], F_SETFD, FD_CLOEXEC) != 0)
      caller_stdio[i] = -1;
  }
}
