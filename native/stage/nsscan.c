/*
 * The namespace scan behind `berth ns` and `berth netns`: facts only, no policy. Java sends
 * F_NSSCAN {u32 flags, paths...}; the stage answers with records and F_NSEND:
 *
 *   F_NSPROC  per process:   i32 pid, i32 ppid, i32 uid, char comm[16], 8 x {u32 type, u64 inode}
 *   F_NSFD    per open fd:   i32 pid, i32 fd, u32 type, u64 inode       (NS_SCAN_FDS)
 *   F_NSCMD   per process:   i32 pid, u32 n, n bytes of /proc/PID/cmdline (NS_SCAN_CMDLINE; at
 *                            most CMDLINE_MAX, NULs between the arguments)
 *   F_NSPATH  per path:      i32 errno, u32 type, u64 inode, path
 *   F_NSINFO  per namespace: u64 inode, u32 type, i32 owner uid (user namespaces, else -1),
 *                            u64 owning user namespace, u64 parent (user and pid; 0: none seen)
 *
 * F_NSINFO comes for every namespace met, and for every user and PID namespace reached from one
 * through NS_GET_USERNS and NS_GET_PARENT, so the whole tree is known even where no process
 * lives. A C walk of /proc takes a few milliseconds where a cold JVM would take tens.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stage.h"

static const struct {
  const char *name;
  uint32_t type;
} kinds[8] = {{"user", CLONE_NEWUSER}, {"mnt", CLONE_NEWNS},       {"pid", CLONE_NEWPID},
              {"net", CLONE_NEWNET},   {"uts", CLONE_NEWUTS},      {"ipc", CLONE_NEWIPC},
              {"cgroup", CLONE_NEWCGROUP}, {"time", CLONE_NEWTIME}};

/* ---- output: records batched into frames, one buffer per record type ---- */

static struct {
  uint8_t type;
  size_t len;
  char buf[65536];
} outs[5]; /* pages of a buffer never used are never touched: the monitor's RSS does not grow */

static void flush_one(int i) {
  if (outs[i].len > 0 && frame_write(1, outs[i].type, outs[i].buf, (uint32_t)outs[i].len) < 0)
    exit(1);
  outs[i].len = 0;
}

static void flush_out(void) {
  for (int i = 0; i < 5; i++)
    flush_one(i);
}

static void emit(uint8_t type, const void *rec, size_t n) {
  int i = 0;
  while (i < 4 && outs[i].type != type && outs[i].type != 0)
    i++;
  outs[i].type = type;
  if (outs[i].len + n > sizeof outs[i].buf)
    flush_one(i);
  memcpy(outs[i].buf + outs[i].len, rec, n);
  outs[i].len += n;
}

static char *put(char *p, const void *v, size_t n) {
  memcpy(p, v, n);
  return p + n;
}

/* ---- the set of namespaces already described ---- */

static uint64_t *seen;
static size_t seen_cap, seen_n;

static int seen_has(uint64_t ino) {
  if (seen_cap == 0)
    return 0;
  for (size_t j = ino % seen_cap;; j = (j + 1) % seen_cap) {
    if (seen[j] == ino)
      return 1;
    if (seen[j] == 0)
      return 0;
  }
}

static int seen_add(uint64_t ino) { /* 1 when new */
  if (seen_n * 2 >= seen_cap) {
    size_t cap = seen_cap ? seen_cap * 2 : 1024;
    uint64_t *t = calloc(cap, sizeof *t);
    if (t == NULL)
      exit(1);
    for (size_t i = 0; i < seen_cap; i++)
      if (seen[i] != 0)
        for (size_t j = seen[i] % cap;; j = (j + 1) % cap)
          if (t[j] == 0) {
            t[j] = seen[i];
            break;
          }
    free(seen);
    seen = t;
    seen_cap = cap;
  }
  for (size_t j = ino % seen_cap;; j = (j + 1) % seen_cap) {
    if (seen[j] == ino)
      return 0;
    if (seen[j] == 0) {
      seen[j] = ino;
      seen_n++;
      return 1;
    }
  }
}

/* Describes the namespace behind fd (consumed), then its owner and parent, once each. */
static uint64_t describe(int fd) {
  struct stat st;
  if (fstat(fd, &st) < 0) {
    close(fd);
    return 0;
  }
  uint64_t ino = st.st_ino;
  if (!seen_add(ino)) {
    close(fd);
    return ino;
  }
  int type = ioctl(fd, NS_GET_NSTYPE);
  int32_t owner_uid = -1;
  uid_t uid;
  if (type == CLONE_NEWUSER && ioctl(fd, NS_GET_OWNER_UID, &uid) == 0)
    owner_uid = (int32_t)uid;
  uint64_t owner = 0, parent = 0;
  int ofd = ioctl(fd, NS_GET_USERNS); /* EPERM: owned outside our view */
  if (ofd >= 0)
    owner = describe(ofd);
  if (type == CLONE_NEWUSER || type == CLONE_NEWPID) {
    int pfd = ioctl(fd, NS_GET_PARENT);
    if (pfd >= 0)
      parent = describe(pfd);
  }
  close(fd);
  char rec[32], *p = rec;
  uint32_t t = type < 0 ? 0 : (uint32_t)type;
  p = put(p, &ino, 8);
  p = put(p, &t, 4);
  p = put(p, &owner_uid, 4);
  p = put(p, &owner, 8);
  put(p, &parent, 8);
  emit(F_NSINFO, rec, sizeof rec);
  return ino;
}

static void describe_path(int dirfd, const char *name) {
  int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
  if (fd >= 0)
    describe(fd);
}

/* ---- the walks ---- */

#define CMDLINE_MAX 1024

static void emit_cmdline(int proc, const char *pid_s, int32_t pid) {
  char path[64], rec[8 + CMDLINE_MAX];
  snprintf(path, sizeof path, "%s/cmdline", pid_s);
  int fd = openat(proc, path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return;
  ssize_t n = read(fd, rec + 8, CMDLINE_MAX);
  close(fd);
  uint32_t len = n > 0 ? (uint32_t)n : 0;
  memcpy(rec, &pid, 4);
  memcpy(rec + 4, &len, 4);
  emit(F_NSCMD, rec, 8 + len);
}

static void scan_process(int proc, const char *pid_s, uint32_t flags) {
  int32_t pid = atoi(pid_s);
  char path[64];
  snprintf(path, sizeof path, "%s/ns", pid_s);
  int ns = openat(proc, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (ns < 0)
    return; /* gone, or not ours to see */
  char rec[4 + 4 + 4 + 16 + 8 * 12], *p = rec;
  struct stat st;
  int32_t uid = fstatat(proc, pid_s, &st, 0) == 0 ? (int32_t)st.st_uid : -1;
  char comm[16] = {0};
  snprintf(path, sizeof path, "%s/comm", pid_s);
  int cfd = openat(proc, path, O_RDONLY | O_CLOEXEC);
  if (cfd >= 0) {
    ssize_t n = read(cfd, comm, sizeof comm - 1);
    if (n > 0 && comm[n - 1] == '\n')
      comm[n - 1] = '\0';
    close(cfd);
  }
  int32_t ppid = 0;
  char stat[512];
  snprintf(path, sizeof path, "%s/stat", pid_s);
  int sfd = openat(proc, path, O_RDONLY | O_CLOEXEC);
  if (sfd >= 0) {
    ssize_t n = read(sfd, stat, sizeof stat - 1);
    close(sfd);
    stat[n > 0 ? n : 0] = '\0';
    char *end = strrchr(stat, ')'); /* the name may hold anything: fields follow the last ')' */
    if (end != NULL && end[1] == ' ' && end[2] != '\0' && end[3] == ' ')
      ppid = atoi(end + 4);
  }
  p = put(p, &pid, 4);
  p = put(p, &ppid, 4);
  p = put(p, &uid, 4);
  p = put(p, comm, 16);
  uint64_t inos[8];
  for (int k = 0; k < 8; k++) {
    inos[k] = fstatat(ns, kinds[k].name, &st, 0) == 0 ? st.st_ino : 0;
    p = put(p, &kinds[k].type, 4);
    p = put(p, &inos[k], 8);
  }
  emit(F_NSPROC, rec, sizeof rec);
  if (flags & NS_SCAN_CMDLINE)
    emit_cmdline(proc, pid_s, pid);
  for (int k = 0; k < 8; k++)
    if (inos[k] != 0 && !seen_has(inos[k]))
      describe_path(ns, kinds[k].name);
  close(ns);
  if (!(flags & NS_SCAN_FDS))
    return;
  snprintf(path, sizeof path, "%s/fd", pid_s);
  int fdd = openat(proc, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR *d = fdd >= 0 ? fdopendir(fdd) : NULL;
  if (d == NULL) {
    if (fdd >= 0)
      close(fdd);
    return;
  }
  for (struct dirent *e; (e = readdir(d)) != NULL;) {
    char link[64];
    ssize_t n = readlinkat(dirfd(d), e->d_name, link, sizeof link - 1);
    if (n <= 0)
      continue;
    link[n] = '\0';
    for (int k = 0; k < 8; k++) {
      size_t len = strlen(kinds[k].name);
      if (strncmp(link, kinds[k].name, len) == 0 && link[len] == ':' && link[len + 1] == '[') {
        uint64_t ino = strtoull(link + len + 2, NULL, 10);
        int32_t fd = atoi(e->d_name);
        char r[20], *q = r;
        q = put(q, &pid, 4);
        q = put(q, &fd, 4);
        q = put(q, &kinds[k].type, 4);
        put(q, &ino, 8);
        emit(F_NSFD, r, sizeof r);
        if (!seen_has(ino))
          describe_path(dirfd(d), e->d_name);
        break;
      }
    }
  }
  closedir(d);
}

static void scan_path(const char *path) {
  int32_t err = 0;
  uint32_t type = 0;
  uint64_t ino = 0;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) < 0) {
    err = errno;
  } else {
    int t = ioctl(fd, NS_GET_NSTYPE);
    if (t < 0) {
      err = errno == ENOTTY || errno == EINVAL ? ENOTTY : errno; /* not a namespace file */
    } else {
      type = (uint32_t)t;
      ino = st.st_ino;
    }
  }
  size_t n = strlen(path) + 1;
  char *rec = malloc(16 + n);
  if (rec == NULL)
    exit(1);
  char *p = rec;
  p = put(p, &err, 4);
  p = put(p, &type, 4);
  p = put(p, &ino, 8);
  put(p, path, n);
  emit(F_NSPATH, rec, 16 + n);
  free(rec);
  if (fd >= 0 && err == 0)
    describe(fd);
  else if (fd >= 0)
    close(fd);
}

void ns_scan(const char *payload, uint32_t n) {
  uint32_t flags = 0;
  if (n >= 4)
    memcpy(&flags, payload, 4);
  if (flags & (NS_SCAN_PROCS | NS_SCAN_FDS)) {
    int proc = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = proc >= 0 ? fdopendir(dup(proc)) : NULL;
    for (struct dirent *e; d != NULL && (e = readdir(d)) != NULL;)
      if (e->d_name[0] >= '1' && e->d_name[0] <= '9')
        scan_process(proc, e->d_name, flags);
    if (d != NULL)
      closedir(d);
    if (proc >= 0)
      close(proc);
  }
  for (uint32_t i = 4; i < n;) {
    const char *path = payload + i;
    size_t len = strnlen(path, n - i);
    if (len > 0)
      scan_path(path);
    i += (uint32_t)len + 1;
  }
  flush_out();
  if (frame_write(1, F_NSEND, NULL, 0) < 0)
    exit(1);
}
