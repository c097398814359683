#!/usr/bin/env python3
"""The memory of a daemon: its process and every descendant (containerd under dockerd, the spare
stage under berth), and apart from them what else lives in the daemon's mount namespace but left
its tree (podman's conmons, reparented to init). Pss splits shared pages among the processes
that map them, so the Pss sum is what the daemon really costs; the Rss sum counts shared pages
once per process.

    daemon_mem.py PID [MNTNS]  ->  JSON on stdout
"""
import json
import os
import sys


def status(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            fields[key] = value.strip()
    return fields


def kb(fields, key):
    value = fields.get(key, "0 kB").split()
    return int(value[0]) if value else 0


def pss(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def process(pid):
    s = status(pid)
    try:
        exe = os.readlink(f"/proc/{pid}/exe")
    except OSError:
        exe = ""
    return {"pid": pid, "name": s.get("Name", ""), "exe": exe, "rss_kb": kb(s, "VmRSS"),
            "rss_anon_kb": kb(s, "RssAnon"), "rss_file_kb": kb(s, "RssFile"), "pss_kb": pss(pid)}


def parents():
    result = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        # the command name may hold spaces and parentheses: the fields after the last ')'
        result[int(entry)] = int(stat[stat.rindex(")") + 2:].split()[1])
    return result


def mntns(pid):
    try:
        return os.readlink(f"/proc/{pid}/ns/mnt")
    except OSError:
        return None


def measure(root, ns):
    ppid = parents()
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(sorted(p for p, parent in ppid.items() if parent == pid))
    procs = []
    for pid in tree:
        try:
            procs.append(process(pid))
        except OSError:
            pass  # exited meanwhile
    others = []
    if ns:
        for pid in sorted(ppid):
            if pid not in tree and mntns(pid) == ns:
                try:
                    others.append(process(pid))
                except OSError:
                    pass
    return {
        "processes": procs,
        "rss_kb": sum(p["rss_kb"] for p in procs),
        "pss_kb": sum(p["pss_kb"] for p in procs),
        "outside_tree": others,
        "outside_tree_pss_kb": sum(p["pss_kb"] for p in others),
    }


if __name__ == "__main__":
    print(json.dumps(measure(int(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else None), indent=2))
