"""Memory of every running container under a berth state directory, for bench/run.sh (scale).

    python3 bench/src/pss.py STATE_DIR N RUNNING > mem.json

Reads STATE_DIR/containers/*/state.json (no JVM per container) for each running container's
MonitorPid and Pid, and sums Pss from /proc/PID/smaps_rollup: Pss splits shared pages (the static
berth-stage, busybox) among the processes mapping them, so the sums add up to what the containers
really cost in user memory. Kernel memory (namespaces, mounts, page tables) is not in Pss: the
private memory (Private_Clean + Private_Dirty: pages no other process maps)
is the part that cannot shrink as N grows. The MemAvailable reading is the whole machine's, noisy on a shared machine, and given for reference.
"""
import glob
import json
import os
import sys


def rollup(pid):
    """(Pss, Private_Clean + Private_Dirty) in kB, or None when the process is gone."""
    fields = {}
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                key, _, rest = line.partition(":")
                if key in ("Pss", "Private_Clean", "Private_Dirty"):
                    fields[key] = int(rest.split()[0])
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    return fields.get("Pss", 0), fields.get("Private_Clean", 0) + fields.get("Private_Dirty", 0)


def summary(values):
    values = [v for v in values if v is not None]
    pss, private = sum(v[0] for v in values), sum(v[1] for v in values)
    avg = lambda total: round(total / len(values), 1) if values else None
    return {"count": len(values), "pss_kb_sum": pss, "pss_kb_avg": avg(pss),
            "private_kb_sum": private, "private_kb_avg": avg(private)}


def main():
    state_dir, n, running = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    monitors, containers, pids = [], [], []
    for path in glob.glob(os.path.join(state_dir, "containers", "*", "state.json")):
        try:
            with open(path) as f:
                state = json.load(f)["State"]
        except (OSError, ValueError, KeyError):
            continue  # a container being created or removed right now
        if not state.get("Running"):
            continue
        for key, into in (("MonitorPid", monitors), ("Pid", containers)):
            pid = state.get(key) or 0
            if pid > 0:
                pids.append(pid)
                into.append(rollup(pid))
    with open("/proc/meminfo") as f:
        meminfo = {line.split(":")[0]: int(line.split()[1]) for line in f}
    mon, con = summary(monitors), summary(containers)
    count = max(mon["count"], con["count"])
    both = mon["pss_kb_sum"] + con["pss_kb_sum"]
    both_private = mon["private_kb_sum"] + con["private_kb_sum"]
    print(json.dumps({
        "n": n, "running": running, "monitors": mon, "containers": con,
        "per_container_pss_kb": round(both / count, 1) if count else None,
        "per_container_private_kb": round(both_private / count, 1) if count else None,
        "mem_available_kb": meminfo.get("MemAvailable"), "pids": pids}))


if __name__ == "__main__":
    main()
