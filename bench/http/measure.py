#!/usr/bin/env python3
"""Time from exec to the first answered GET /_ping, and RSS idle, for each server command.

usage: measure.py RUNS NAME -- COMMAND... (the socket path is appended to COMMAND)"""
import os, socket, subprocess, sys, time, statistics

def ping(path, sock=None):
    s = sock or socket.socket(socket.AF_UNIX)
    if sock is None:
        s.connect(path)
    s.sendall(b"GET /_ping HTTP/1.1\r\nHost: d\r\n\r\n")
    data = b""
    while b"\r\n\r\nOK" not in data:
        chunk = s.recv(4096)
        if not chunk:
            raise OSError("closed")
        data += chunk
    return s

def rss(pid):
    for line in open("/proc/%d/status" % pid):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) // 1024
    return -1

runs = int(sys.argv[1]); name = sys.argv[2]; cmd = sys.argv[4:]
firsts, idle, after = [], [], []
for i in range(runs):
    path = "/tmp/hb-%d.sock" % os.getpid()
    if os.path.exists(path):
        os.unlink(path)
    t0 = time.monotonic()
    p = subprocess.Popen(cmd + [path], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while True:
        try:
            s = ping(path)
            break
        except OSError:
            time.sleep(0.0005)
    firsts.append((time.monotonic() - t0) * 1000)
    time.sleep(2)
    idle.append(rss(p.pid))
    for _ in range(2000):  # keep-alive on one connection
        ping(path, s)
    s.close()
    conns = [ping(path) for _ in range(50)]  # 50 connections open at once
    for c in conns:
        c.close()
    time.sleep(2)
    after.append(rss(p.pid))
    p.terminate(); p.wait()
    if os.path.exists(path):
        os.unlink(path)
print("%-6s first /_ping: median %.0f ms (min %.0f, max %.0f); RSS idle %d MiB, after 2000+50 requests %d MiB"
      % (name, statistics.median(firsts), min(firsts), max(firsts), statistics.median(idle), statistics.median(after)))
