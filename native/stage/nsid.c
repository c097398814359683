/*
 * RTM_NEWNSID over rtnetlink: give the network namespace behind a file an id in ours, what
 * `ip netns set NAME ID` does. Peers refer to each other's namespaces by these ids (veth peers,
 * `ip netns list` shows them).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/net_namespace.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "stage.h"

static void put_attr(char *buf, size_t *len, uint16_t type, const void *data, uint16_t n) {
  struct rtattr *a = (struct rtattr *)(buf + NLMSG_ALIGN(*len));
  a->rta_type = type;
  a->rta_len = (unsigned short)RTA_LENGTH(n);
  memcpy(RTA_DATA(a), data, n);
  *len = NLMSG_ALIGN(*len) + RTA_ALIGN(a->rta_len);
}

int set_nsid(const char *path, const char *id) {
  int nsfd = open(path, O_RDONLY | O_CLOEXEC);
  if (nsfd < 0)
    return -1;
  int sock = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (sock < 0) {
    int saved = errno;
    close(nsfd);
    errno = saved;
    return -1;
  }
  char buf[256] = {0};
  struct nlmsghdr *h = (struct nlmsghdr *)buf;
  h->nlmsg_type = RTM_NEWNSID;
  h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
  h->nlmsg_seq = 1;
  size_t len = NLMSG_LENGTH(sizeof(struct rtgenmsg));
  ((struct rtgenmsg *)NLMSG_DATA(h))->rtgen_family = AF_UNSPEC;
  uint32_t fd32 = (uint32_t)nsfd;
  int32_t nsid = (int32_t)strtol(id, NULL, 10);
  put_attr(buf, &len, NETNSA_FD, &fd32, sizeof fd32);
  put_attr(buf, &len, NETNSA_NSID, &nsid, sizeof nsid);
  h->nlmsg_len = (uint32_t)len;
  struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
  int rc = -1;
  if (sendto(sock, buf, len, 0, (struct sockaddr *)&kernel, sizeof kernel) == (ssize_t)len) {
    char reply[512];
    ssize_t n = recv(sock, reply, sizeof reply, 0);
    struct nlmsghdr *r = (struct nlmsghdr *)reply;
    if (n >= (ssize_t)NLMSG_LENGTH(sizeof(struct nlmsgerr)) && r->nlmsg_type == NLMSG_ERROR) {
      int err = -((struct nlmsgerr *)NLMSG_DATA(r))->error;
      rc = err == 0 ? 0 : -1;
      errno = err;
    } else if (n >= 0) {
      errno = EPROTO;
    }
  }
  int saved = errno;
  close(sock);
  close(nsfd);
  errno = saved;
  return rc;
}
