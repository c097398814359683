/*
 * `berth-stage --launch JAVA ARG...`: the launcher's zygote trick. A cold JVM needs about 7 ms
 * for its first ProcessBuilder.start(); this forks the stage before the JVM even starts, then
 * execs the JVM in the original process (same pid, same signals, same exit status) with two
 * pipes to the waiting stage on fds 3 and 4 and BERTH_STAGE_FDS=3,4 in its environment.
 *
 * The JVM takes that stage for its first container or exec. If it needs none (`berth ps`), it
 * exits, the pipes close, and the stage, waiting for its hello, exits quietly.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "stage.h"

int caller_stdio[3] = {-1, -1, -1};

/* Returns only in the forked stage, with the pipes as its stdin and stdout. With a server
 * (client.c), the stage is the server's to take, and the JVM runs only if it declines. */
void launch(char **argv, const char *server, int nargs) {
  int to_stage[2], from_stage[2];
  /* a caller may start us with stdin, stdout or stderr closed (runc runs so): the pipes below
   * would take their numbers, and be dup2'd over or handed to the container as its stdio.
   * /dev/null takes each closed one first, as glibc does for a set-uid program. */
  for (int fd = 0; fd < 3; fd++)
    if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", O_RDWR) != fd)
      _exit(125);
  /* systemd's sockets (socket activation) are fds 3 and up: the pipes would take their place */
  const char *listen_pid = getenv("LISTEN_PID");
  int activated = listen_pid != NULL && atol(listen_pid) == (long)getpid();
  if (!activated && pipe2(to_stage, O_CLOEXEC) == 0 && pipe2(from_stage, O_CLOEXEC) == 0) {
    pid_t pid = fork();
    if (pid == 0) {
      /* kept for an OCI container that inherits our caller's stdio (OP_INHERIT_STDIO); out of
       * the way of the caller's own fds 3.., which --preserve-fds passes on where they are */
      for (int fd = 0; fd < 3; fd++)
        caller_stdio[fd] = fcntl(fd, F_DUPFD_CLOEXEC, MAX_PRESERVE_FDS + 3);
      if (dup2(to_stage[0], 0) != 0 || dup2(from_stage[1], 1) != 1)
        _exit(1);
      /* the JVM's ends too: while the stage held them it would never see the JVM go away */
      close(to_stage[0]), close(to_stage[1]), close(from_stage[0]), close(from_stage[1]);
      return;
    }
    if (pid > 0) {
      /* out of the way of 3 and 4 first, so that dup2 never meets its own descriptor */
      int r = fcntl(from_stage[0], F_DUPFD_CLOEXEC, 10);
      int w = fcntl(to_stage[1], F_DUPFD_CLOEXEC, 10);
      if (r >= 0 && w >= 0 && dup2(r, 3) == 3 && dup2(w, 4) == 4) {
        setenv("BERTH_STAGE_FDS", "3,4", 1);
        if (server != NULL) {
          int argc = 0;
          while (argv[argc] != NULL)
            argc++;
          int code = nargs <= argc ? remote(server, argv + argc - nargs, nargs) : -1;
          if (code >= 0)
            _exit(code);
          if (code == -1)
            setenv("BERTH_RUNTIME_SERVE", server, 1); /* the JVM starts one once it is done */
        }
      }
    }
  }
  /* whatever failed above, the JVM still runs: it spawns its stage itself */
  unsetenv("BERTH_STAGE_WARM"); /* the forked stage's, not the JVM's later stages' */
  execv(argv[0], argv);
  perror(argv[0]);
  _exit(127);
}
