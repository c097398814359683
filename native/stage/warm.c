/*
 * The launched stage's wait for its JVM, spent keeping the kernel's cgroup migration lock warm.
 *
 * Every write to a cgroup.procs file takes the global cgroup_threadgroup_rwsem for writing. When
 * no writer held it during the last RCU grace period, the writer first waits one out (rcu_sync:
 * 5 to 40 ms here), and that wait was the largest single cost of `berth run`: C1's move into
 * the container's cgroup paid it. A write that comes while the lock is still in its writer
 * state (up to a grace period after the last writer) waits for nothing. So, while the JVM
 * starts, the stage writes itself into the cgroup it is already in (moving nothing) every few
 * milliseconds: the first write pays the grace period alongside the JVM's start, the later
 * ones keep the state, and C1's write, which follows the hello by a millisecond or two, finds
 * it open. See runtime's MoveWarmup for the JVM's own, later, warm-up.
 *
 * Asked for with BERTH_STAGE_WARM=MS, the longest it goes on, by the launcher for the commands
 * that start a container. (A long-lived JVM's spare stage does not: in a loop of warm starts,
 * a spare warming beside the container being set up came out no faster, alternated under load.)
 * Best effort: no cgroup file system found, or a write refused (not root), and the stage just waits.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "stage.h"

#define WARM_EVERY_MS 4 /* well inside a grace period; each write costs the kernel ~15 us */

/* item is one of list's comma-separated items */
static int has_item(const char *list, const char *item) {
  size_t n = strlen(item);
  for (const char *p = list; p != NULL; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
    if (strncmp(p, item, n) == 0 && (p[n] == ',' || p[n] == '\0'))
      return 1;
  return 0;
}

/* The mount point of the hierarchy whose root is mounted whole: "pids" for v1, "" for v2. */
static int mount_of(const char *controller, char *out, size_t size) {
  FILE *f = fopen("/proc/self/mountinfo", "re");
  if (f == NULL)
    return -1;
  char line[1024];
  int found = -1;
  while (found < 0 && fgets(line, sizeof line, f) != NULL) {
    char root[256], point[512], fstype[32], opts[512];
    const char *dash = strstr(line, " - ");
    if (dash == NULL || sscanf(line, "%*s %*s %*s %255s %511s", root, point) != 2 ||
        sscanf(dash + 3, "%31s %*s %511s", fstype, opts) != 2)
      continue;
    /* a mount of a subtree (a cgroup namespace's view of the host's) has other paths */
    if (strcmp(root, "/") != 0 || strchr(point, '\\') != NULL)
      continue;
    if (*controller == '\0' ? strcmp(fstype, "cgroup2") == 0
                            : strcmp(fstype, "cgroup") == 0 && has_item(opts, controller))
      found = snprintf(out, size, "%s", point) < (int)size ? 0 : -1;
  }
  fclose(f);
  return found;
}

/* This process's cgroup.procs file, opened for writing, or -1. */
static int own_procs(void) {
  FILE *f = fopen("/proc/self/cgroup", "re");
  if (f == NULL)
    return -1;
  char line[1024], v1[512] = "", v2[512] = "";
  int cut = 0; /* a line or path longer than the buffers: cut short, it could name an ancestor */
  while (fgets(line, sizeof line, f) != NULL) {
    if (strchr(line, '\n') == NULL && !feof(f))
      cut = 1;
    line[strcspn(line, "\n")] = '\0';
    char *controllers = strchr(line, ':');
    char *path = controllers != NULL ? strchr(controllers + 1, ':') : NULL;
    if (path == NULL)
      continue;
    *path++ = '\0';
    controllers++;
    if (strcmp(controllers, "pids") == 0)
      cut |= snprintf(v1, sizeof v1, "%s", path) >= (int)sizeof v1;
    else if (*controllers == '\0' && strcmp(line, "0") == 0)
      cut |= snprintf(v2, sizeof v2, "%s", path) >= (int)sizeof v2;
  }
  fclose(f);
  if (cut)
    return -1;
  char point[512], procs[1100];
  const char *controller = *v1 ? "pids" : "";
  const char *path = *v1 ? v1 : v2;
  if (*path != '/' || strstr(path, "(deleted)") != NULL || mount_of(controller, point, sizeof point) != 0)
    return -1;
  if (snprintf(procs, sizeof procs, "%s%s/cgroup.procs", point, strcmp(path, "/") == 0 ? "" : path) >=
      (int)sizeof procs)
    return -1;
  return open(procs, O_WRONLY | O_CLOEXEC);
}

static long now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

void warm_until_readable(int fd) {
  const char *want = getenv("BERTH_STAGE_WARM"); /* for at most this many ms */
  long most = want != NULL ? atol(want) : 0;
  unsetenv("BERTH_STAGE_WARM"); /* nothing the stage starts sees it */
  if (most <= 0)
    return;
  int procs = own_procs();
  if (procs < 0)
    return;
  long until = now_ms() + (most < 60000 ? most : 60000);
  struct pollfd p = {.fd = fd, .events = POLLIN};
  /* until the hello (or the JVM's exit, or an error the read will meet): not even the first
   * write, which may wait out a grace period, when it is there already */
  for (int wait = 0; now_ms() < until; wait = WARM_EVERY_MS)
    if (poll(&p, 1, wait) != 0 || write(procs, "0", 1) != 1)
      break;
  close(procs);
}
