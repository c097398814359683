# A console-socket peer, as containerd's shim or runc's recvtty: accepts one connection on
# argv[1], takes the pty master sent with SCM_RIGHTS, types argv[3] into it and writes what
# came back (until the last slave closes, EIO) as JSON to argv[2]. The JDK cannot receive a
# file descriptor over a unix socket, hence Python.
import json, os, select, socket, sys

path, out, typed = sys.argv[1], sys.argv[2], sys.argv[3]
server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
server.bind(path)
server.listen(1)
server.settimeout(30)
conn, _ = server.accept()
msg, fds, _, _ = socket.recv_fds(conn, 4096, 4)
master = fds[0]
report = {"fds": len(fds), "message": msg.decode("utf-8", "replace"), "isatty": os.isatty(master),
          "target": os.readlink("/proc/self/fd/%d" % master)}
os.write(master, typed.encode())
data = b""
while True:
    ready, _, _ = select.select([master], [], [], 20)
    if not ready:
        report["timeout"] = True
        break
    try:
        chunk = os.read(master, 4096)
    except OSError:  # EIO: every slave end is closed
        break
    if not chunk:
        break
    data += chunk
report["output"] = data.decode("utf-8", "replace")
with open(out, "w") as f:
    json.dump(report, f)
