/*
 * C1 started in the container's cgroup v2 directory instead of moving itself there.
 *
 * Writing a pid to cgroup.procs takes the kernel's global cgroup_threadgroup_rwsem for writing,
 * and the first writer after a quiet spell waits out an RCU grace period (5 ms and more: the
 * largest single wait of a warm start). clone3(CLONE_INTO_CGROUP) places the child at fork,
 * which takes that lock only for reading, as every fork does. (A v1 hierarchy is joined through
 * its tasks file instead, which moves the writing thread alone without the global lock: Java
 * names that file, C1 is single-threaded.)
 *
 * The child of the raw system call is a plain fork of this single-threaded, statically linked
 * program: no atfork handlers to run, no locks held. glibc's thread descriptor still holds the
 * monitor's tid, which only raise() and pthread calls read; C1 makes none (its own fork() sets
 * C2's right).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "stage.h"

#ifndef SYS_clone3
#define SYS_clone3 435
#endif
#define INTO_CGROUP 0x200000000ULL /* CLONE_INTO_CGROUP, Linux 5.7 */

/* struct clone_args up to its cgroup field (CLONE_ARGS_SIZE_VER2) */
struct clone_args_v2 {
  uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid,
      set_tid_size, cgroup;
};

pid_t fork_into_cgroup(int cgroup_fd) {
  if (cgroup_fd < 0) {
    errno = EBADF;
    return -1;
  }
  struct clone_args_v2 args = {
      .flags = INTO_CGROUP, .exit_signal = SIGCHLD, .cgroup = (uint64_t)cgroup_fd};
  return (pid_t)syscall(SYS_clone3, &args, sizeof args);
}
