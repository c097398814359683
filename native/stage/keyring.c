/*
 * OP_SESSION_KEYRING: the process leaves the session keyring it inherited (its caller's, with
 * whatever keys the caller holds) for one of its own, as runc's init does.
 *
 * KEYCTL_JOIN_SESSION_KEYRING with a name joins the keyring of that name in the caller's user
 * namespace if the caller may search it, else creates it: so a later process of the same
 * container (exec) that asks for the same name lands in the same keyring, provided the first
 * process made it searchable, which is what the permission change is for. The keyring is kept
 * by the processes that hold it, and the kernel frees it when the last one is gone.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/keyctl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "stage.h"

/* The permission word of a key: KEYCTL_DESCRIBE gives "type;uid;gid;perm;description". */
static int key_perm(long key, unsigned long *perm) {
  char desc[512];
  long n = syscall(SYS_keyctl, KEYCTL_DESCRIBE, key, desc, sizeof desc);
  if (n < 0)
    return -1;
  desc[sizeof desc - 1] = '\0';
  char *p = desc;
  for (int field = 0; field < 3; field++) {
    p = strchr(p, ';');
    if (p == NULL) {
      errno = EPROTO;
      return -1;
    }
    p++;
  }
  char *end;
  *perm = strtoul(p, &end, 16);
  if (end == p || *end != ';') {
    errno = EPROTO;
    return -1;
  }
  return 0;
}

static int listed(const struct record *r, int err) {
  for (int i = 3; i < r->argc; i++)
    if (r->argv[i][0] != '\0' && strtol(r->argv[i], NULL, 10) == err)
      return 1;
  return 0;
}

int session_keyring(const struct record *r) {
  if (r->argc < 1 || r->argv[0][0] == '\0') {
    errno = EINVAL;
    return -1;
  }
  long key = syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, r->argv[0]);
  if (key < 0)
    return listed(r, errno) ? 0 : -1;
  if (r->argc < 3 || r->argv[1][0] == '\0')
    return 0;
  unsigned long mask = strtoul(r->argv[1], NULL, 16), bits = strtoul(r->argv[2], NULL, 16);
  unsigned long perm;
  if (key_perm(key, &perm) < 0)
    return -1;
  return syscall(SYS_keyctl, KEYCTL_SETPERM, key, (perm & mask) | bits) < 0 ? -1 : 0;
}
