/*
 * F_NETLINK: netlink sockets that the monitor holds for berth between F_CREATED and F_GO, one per
 * protocol in its own network namespace and in the container's. Java builds every request and
 * reads every answer; here they are only sent and received, so that a cold JVM wires a container
 * to its network without linking a socket downcall (see docs/networking.md). The sockets close
 * before the start: one in the container's namespace would keep that namespace alive.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "stage.h"

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71 /* Linux 5.14; in asm-generic/socket.h, not every libc's */
#endif

#define NL_PROTOCOLS 32
#define NL_RECEIVE 32768 /* as NetlinkTransport.RECEIVE: a dump's datagrams are sized by it */

static int fds[2][NL_PROTOCOLS];
static int opened;
static int stranded; /* errno of a failed return to our own namespace: the monitor cannot go on */

/* A socket in our namespace (where 0) or the container's (where 1), as NetlinkSocket sets one up. */
static int nl_open(int where, pid_t c2, int protocol) {
  int self = -1, target = -1;
  if (where == 1) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/ns/net", (int)c2);
    if ((self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC)) < 0)
      return -1;
    if ((target = open(path, O_RDONLY | O_CLOEXEC)) < 0 || setns(target, CLONE_NEWNET) < 0) {
      int saved = errno;
      close(self);
      if (target >= 0)
        close(target);
      errno = saved;
      return -1;
    }
  }
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol);
  int saved = errno;
  if (where == 1) {
    /* the monitor must not stay in the container's namespace: its later sockets and the
     * container's exit command are the host's */
    if (setns(self, CLONE_NEWNET) < 0)
      stranded = errno;
    close(self);
    close(target);
  }
  if (fd < 0) {
    errno = saved;
    return -1;
  }
  int on = 1;
  struct sockaddr_nl local = {.nl_family = AF_NETLINK};
  if (setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &on, sizeof on) < 0 ||
      setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &on, sizeof on) < 0 ||
      bind(fd, (struct sockaddr *)&local, sizeof local) < 0) {
    saved = errno;
    close(fd);
    errno = saved;
    return -1;
  }
  return fd;
}

static int nl_socket(int where, pid_t c2, int protocol) {
  if (!opened) {
    for (int w = 0; w < 2; w++)
      for (int p = 0; p < NL_PROTOCOLS; p++)
        fds[w][p] = -1;
    opened = 1;
  }
  if (fds[where][protocol] < 0)
    fds[where][protocol] = nl_open(where, c2, protocol);
  return fds[where][protocol];
}

static ssize_t nl_receive(int fd, char *buf) {
  for (;;) {
    struct sockaddr_nl from;
    socklen_t n = sizeof from;
    ssize_t r = recvfrom(fd, buf, NL_RECEIVE, MSG_TRUNC, (struct sockaddr *)&from, &n);
    if (r < 0 && errno == EINTR)
      continue;
    if (r >= 0 && from.nl_pid != 0)
      continue; /* another process's message, not the kernel's answer */
    return r;
  }
}

/* Payload: u8 where (0: ours, 1: the container's), u8 op (0: send, 1: receive, 2: send, then
 * receive, 3: the namespace's cookie), u16 protocol, then the datagram to send. Answer: F_NETLINK
 * with i32 (bytes sent, the received datagram's whole length, 8 for a cookie, or -errno), then the
 * datagram received (at most NL_RECEIVE bytes of it) or the cookie (u64).
 * Returns -1 (errno set) when the monitor could not leave the container's namespace again. */
int netlink_frame(pid_t c2, const char *p, uint32_t n) {
  static char reply[4 + NL_RECEIVE];
  int32_t result;
  uint32_t len = 0;
  uint16_t protocol;
  if (n < 4) {
    result = -EPROTO;
  } else if ((unsigned char)p[0] > 1 || (unsigned char)p[1] > 3 ||
             (memcpy(&protocol, p + 2, 2), protocol >= NL_PROTOCOLS)) {
    result = -EINVAL;
  } else if (p[1] == 3) {
    /* an inode of a namespace that is gone is handed out again; its cookie never is (Linux 5.14) */
    int fd = nl_socket(p[0], c2, protocol);
    uint64_t cookie;
    socklen_t size = sizeof cookie;
    if (fd < 0 || getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &size) < 0) {
      result = -errno;
    } else {
      memcpy(reply + 4, &cookie, sizeof cookie);
      result = len = sizeof cookie;
    }
  } else {
    int fd = nl_socket(p[0], c2, protocol), op = p[1];
    ssize_t r = fd < 0 ? -1 : 0;
    if (r == 0 && op != 1) {
      struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
      do
        r = sendto(fd, p + 4, n - 4, 0, (struct sockaddr *)&kernel, sizeof kernel);
      while (r < 0 && errno == EINTR);
    }
    if (r >= 0 && op != 0) {
      r = nl_receive(fd, reply + 4);
      if (r > 0)
        len = r > NL_RECEIVE ? NL_RECEIVE : (uint32_t)r;
    }
    result = r < 0 ? -errno : (int32_t)r;
  }
  if (stranded) {
    errno = stranded;
    return -1;
  }
  memcpy(reply, &result, 4);
  frame_write(1, F_NETLINK, reply, 4 + len);
  return 0;
}

void netlink_close(void) {
  for (int w = 0; opened && w < 2; w++)
    for (int p = 0; p < NL_PROTOCOLS; p++)
      if (fds[w][p] >= 0)
        close(fds[w][p]), fds[w][p] = -1;
}
