/*
 * The privilege steps C2 runs last: capabilities, no_new_privs, the seccomp filter, rlimits.
 * Java decides the sets, their order and the filter's bytes; these only apply them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "stage.h"

static int capget_all(struct __user_cap_header_struct *h, struct __user_cap_data_struct d[2]) {
  h->version = _LINUX_CAPABILITY_VERSION_3;
  h->pid = 0;
  return (int)syscall(SYS_capget, h, d);
}

/* argv: bounding, effective, permitted, inheritable, ambient, as hex masks */
int set_caps(char **argv, int argc) {
  if (argc < 5) {
    errno = EINVAL;
    return -1;
  }
  uint64_t set[5];
  for (int i = 0; i < 5; i++)
    set[i] = strtoull(argv[i], NULL, 16);
  struct __user_cap_header_struct h;
  struct __user_cap_data_struct d[2];
  if (capget_all(&h, d) < 0)
    return -1;
  /* After a setuid with keep-caps the effective set is empty, and dropping from the bounding
   * set needs CAP_SETPCAP in it: raise everything still permitted first. */
  d[0].effective = d[0].permitted;
  d[1].effective = d[1].permitted;
  if (syscall(SYS_capset, &h, d) < 0)
    return -1;
  for (int c = 0; c < 64 && prctl(PR_CAPBSET_READ, c, 0, 0, 0) >= 0; c++)
    if (!(set[0] >> c & 1) && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0)
      return -1;
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
    return -1;
  for (int i = 0; i < 2; i++) {
    d[i].effective = (uint32_t)(set[1] >> (32 * i));
    d[i].permitted = (uint32_t)(set[2] >> (32 * i));
    d[i].inheritable = (uint32_t)(set[3] >> (32 * i));
  }
  if (syscall(SYS_capset, &h, d) < 0)
    return -1;
  for (int c = 0; c < 64; c++)
    if ((set[4] >> c & 1) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0)
      return -1;
  return 0;
}

static int hex(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  return -1;
}

/* argv: the filter as hex bytes (8 per instruction), the filter flags */
int load_seccomp(char **argv, int argc) {
  size_t len = argc > 0 ? strlen(argv[0]) : 0;
  if (len == 0 || len % 16 != 0 || len / 16 > BPF_MAXINSNS) {
    errno = EINVAL;
    return -1;
  }
  unsigned char *bytes = malloc(len / 2);
  if (bytes == NULL)
    return -1;
  for (size_t i = 0; i < len / 2; i++) {
    int hi = hex(argv[0][2 * i]), lo = hex(argv[0][2 * i + 1]);
    if (hi < 0 || lo < 0) {
      free(bytes);
      errno = EINVAL;
      return -1;
    }
    bytes[i] = (unsigned char)(hi << 4 | lo);
  }
  struct sock_fprog prog = {.len = (unsigned short)(len / 16), .filter = (struct sock_filter *)bytes};
  unsigned long flags = argc > 1 ? strtoul(argv[1], NULL, 10) : 0;
  long rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
  if (rc < 0 && errno == ENOSYS && flags == 0)
    rc = prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0);
  int saved = errno;
  free(bytes);
  errno = saved;
  return rc < 0 ? -1 : 0;
}

static rlim_t limit(const char *s) {
  return strcmp(s, "-1") == 0 ? RLIM_INFINITY : (rlim_t)strtoull(s, NULL, 10);
}

/* argv: resource, soft, hard */
int set_rlimit(char **argv, int argc) {
  if (argc < 3) {
    errno = EINVAL;
    return -1;
  }
  struct rlimit rl = {.rlim_cur = limit(argv[1]), .rlim_max = limit(argv[2])};
  return prlimit(0, (int)strtol(argv[0], NULL, 10), &rl, NULL);
}
