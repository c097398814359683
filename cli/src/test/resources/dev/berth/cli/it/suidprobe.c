/*
 * Installed setuid root in a container's rootfs by RootlessTest. Prints the ids the container
 * sees, tries to open the root-owned file argv[1] for appending (nothing is written), and makes
 * the file argv[2]: its owner on the host is the uid this process really had there.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc < 3)
    return 2;
  uid_t r, e, s;
  getresuid(&r, &e, &s);
  int fd = open(argv[1], O_WRONLY | O_APPEND | O_CLOEXEC);
  printf("ids %d %d %d append %s", (int)r, (int)e, (int)s, fd >= 0 ? "opened" : strerror(errno));
  fd = open(argv[2], O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  printf(" create %s\n", fd >= 0 ? "made" : strerror(errno));
  return 0;
}
