/*
 * F_KILL: signal processes that are not our children, for `berth-runtime kill` and `delete -f`
 * on a cold JVM, which has no kill(2) short of linking FFM. A pid is checked against the start
 * time the caller saw, through a pidfd, so a reused pid is never signalled.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "stage.h"

/* field 22 of /proc/PID/stat, or 0 */
static unsigned long long start_time(int pid) {
  char path[64], buf[1024];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return 0;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0)
    return 0;
  buf[n] = '\0';
  char *p = strrchr(buf, ')'); /* the command name may hold spaces and parentheses */
  for (int field = 2; p != NULL && field < 22; field++)
    p = strchr(p + 1, ' ');
  return p ? strtoull(p + 1, NULL, 10) : 0;
}

/* Replies F_ACK {u32 signalled} or F_ERROR with the first error other than ESRCH. */
void kill_procs(const char *payload, uint32_t len) {
  uint32_t sig, done = 0;
  if (len < 4 || (len - 4) % 12 != 0) {
    frame_error(1, STEP_PROTOCOL, EPROTO, "malformed kill frame");
    return;
  }
  memcpy(&sig, payload, 4);
  for (uint32_t off = 4; off < len; off += 12) {
    uint32_t pid;
    unsigned long long start;
    memcpy(&pid, payload + off, 4);
    memcpy(&start, payload + off + 4, 8);
    int pidfd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
    if (pidfd < 0) {
      if (errno == ESRCH)
        continue;
      frame_error(1, STEP_PROTOCOL, errno, "pidfd_open");
      return;
    }
    /* checked after the pidfd pins the process: a pid reused before then fails here */
    int same = start == 0 || start_time((int)pid) == start;
    int rc = same ? (int)syscall(SYS_pidfd_send_signal, pidfd, (int)sig, NULL, 0) : 0;
    int err = errno;
    close(pidfd);
    if (rc < 0 && err != ESRCH) {
      frame_error(1, STEP_PROTOCOL, err, "kill");
      return;
    }
    done += same && rc == 0;
  }
  frame_write(1, F_ACK, &done, sizeof done);
}
