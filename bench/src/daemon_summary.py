#!/usr/bin/env python3
"""The tables of bench/daemon.sh: one row per daemon and scenario (min/median/max, ratio to the
berth daemon), the idle memory, issue 9's targets. With a second argument (docs/performance.md)
the generated block of its daemon section is replaced, or the section appended.

    daemon_summary.py OUT [DOCS]  ->  Markdown on stdout
"""
import json
import os
import sys

BEGIN = "<!-- bench/daemon.sh: begin (generated, do not edit by hand) -->"
END = "<!-- bench/daemon.sh: end -->"
HEADING = "## The daemon: berth, dockerd and podman behind the same docker CLI (issue 9)"
SCENARIOS = [
    ("run", "`docker run --rm busybox true`"),
    ("exec", "`docker exec C true` (C running `sleep 3600`)"),
    ("ps", "`docker ps` with {n} running containers"),
]
BERTH = "berth daemon"
DAEMON_NAMES = {"berth": BERTH, "dockerd": "dockerd + containerd", "podman": "podman system service"}


def read_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def read_lines(path):
    try:
        with open(path) as f:
            return [line.rstrip("\n") for line in f if line.strip()]
    except OSError:
        return []


def machine(out):
    info = {}
    for line in read_lines(os.path.join(out, "daemon-machine.txt")):
        key, _, value = line.partition(": ")
        info.setdefault(key, value)
    return info


def ms(seconds):
    return f"{seconds * 1000:.1f}"


def mib(kb):
    return f"{kb / 1024:.1f}"


def timings(out):
    """scenario -> [(name, min, median, max)], berth first."""
    result = {}
    for key, _ in SCENARIOS:
        data = read_json(os.path.join(out, f"daemon-{key}.json"))
        if not data:
            continue
        rows = [(r["command"], r["min"], r["median"], r["max"]) for r in data["results"]]
        result[key] = rows
    return result


def ratio_text(median, berth):
    if berth is None or berth == 0:
        return "-"
    r = median / berth
    if abs(r - 1) < 0.005:
        return "1.00x"
    return f"{r:.2f}x" if r >= 1 else f"{r:.2f}x (**berth loses**)"


def time_table(out, n):
    lines = ["| scenario | daemon | min [ms] | median [ms] | max [ms] | median / berth's |",
             "|:---|:---|---:|---:|---:|:---|"]
    found = timings(out)
    for key, title in SCENARIOS:
        rows = found.get(key)
        if not rows:
            lines.append(f"| {title.format(n=n)} | not measured | - | - | - | - |")
            continue
        berth = next((r[2] for r in rows if r[0] == BERTH), None)
        for i, (name, lo, med, hi) in enumerate(rows):
            first = title.format(n=n) if i == 0 else ""
            ratio = "(berth)" if name == BERTH else ratio_text(med, berth)
            lines.append(f"| {first} | {name} | {ms(lo)} | {ms(med)} | {ms(hi)} | {ratio} |")
    return lines, found


def procs_text(m):
    names = {}
    for p in m["processes"]:
        names[p["name"]] = names.get(p["name"], 0) + 1
    return ", ".join(f"{k}" + (f" ×{v}" if v > 1 else "") for k, v in names.items())


def memory_table(out):
    mem = read_json(os.path.join(out, "daemon-memory.json")) or {}
    lines = ["| daemon | processes (its tree) | Rss after start [MiB] | Pss after start [MiB] "
             "| Rss after the runs [MiB] | Pss after the runs [MiB] | Pss / berth's (after the runs) |",
             "|:---|:---|---:|---:|---:|---:|:---|"]
    notes = []
    berth = (mem.get("berth") or {}).get("after_runs")
    for d, m in mem.items():
        start, after = m.get("after_start"), m.get("after_runs")
        if not start or not after:
            continue
        ratio = "(berth)" if d == "berth" else ratio_text(after["pss_kb"], berth["pss_kb"] if berth else None)
        lines.append(f"| {DAEMON_NAMES[d]} | {procs_text(after)} | {mib(start['rss_kb'])} | {mib(start['pss_kb'])} "
                     f"| {mib(after['rss_kb'])} | {mib(after['pss_kb'])} | {ratio} |")
        left = after.get("outside_tree") or []
        if left:
            kinds = {}
            for p in left:
                kinds[p["name"]] = kinds.get(p["name"], 0) + 1
            notes.append(f"{DAEMON_NAMES[d]}: after the runs, {len(left)} processes of it lived on outside its tree "
                         f"({', '.join(f'{k} ×{v}' for k, v in kinds.items())}), Pss {mib(after['outside_tree_pss_kb'])} MiB "
                         "more (not in the row above; the exit trap ends them by pid)")
    return lines, mem, notes


def targets(found, mem):
    lines = ["| target (issue 9) | measured | status |", "|:---|:---|:---|"]

    def median(key, name):
        for r in found.get(key, []):
            if r[0] == name:
                return r[2]
        return None

    b, d = median("run", BERTH), median("run", DAEMON_NAMES["dockerd"])
    if b and d:
        lines.append(f"| `run --rm` at least 5x faster than dockerd | {ms(d)} / {ms(b)} ms = {d / b:.2f}x "
                     f"| {'met' if d / b >= 5 else 'not met'} |")
    else:
        lines.append("| `run --rm` at least 5x faster than dockerd | not measured | - |")
    podman = DAEMON_NAMES["podman"]
    for key, title in SCENARIOS:
        b, p = median(key, BERTH), median(key, podman)
        name = title.split("`")[1]
        if b and p:
            lines.append(f"| faster than podman: `{name}` | {ms(b)} vs {ms(p)} ms ({p / b:.2f}x) "
                         f"| {'met' if b < p else 'not met'} |")
        else:
            lines.append(f"| faster than podman: `{name}` | not measured | - |")
    bm, pm = (mem.get("berth") or {}), (mem.get("podman") or {})
    for when in ("after_start", "after_runs"):
        if bm.get(when) and pm.get(when):
            b, p = bm[when]["pss_kb"], pm[when]["pss_kb"]
            lines.append(f"| less idle memory than podman ({when.replace('_', ' ')}) | Pss {mib(b)} vs {mib(p)} MiB "
                         f"| {'met' if b < p else 'not met'} |")
    for when in ("after_start", "after_runs"):
        if bm.get(when):
            rss = bm[when]["rss_kb"]
            java = max((p["rss_kb"] for p in bm[when]["processes"]), default=0)
            lines.append(f"| daemon idle RSS under 64 MiB ({when.replace('_', ' ')}) | {mib(rss)} MiB "
                         f"(the JVM {mib(java)} MiB, the rest its spare stage) | {'met' if rss < 64 * 1024 else 'not met'} |")
    return lines


def render(out):
    info = machine(out)
    ps_n = "100"
    for part in info.get("runs", "").split(", "):
        if part.startswith("ps containers: "):
            ps_n = part.split(": ")[1]
    body = []
    body.append(f"Produced by `{info.get('command', 'bench/daemon.sh')}` on {info.get('date', '?')} "
                f"(runs: {info.get('runs', '?')}).")
    body.append("")
    body.append(f"Machine: {info.get('nproc', '?')} CPUs ({info.get('cpu', '?')}), {info.get('memory', '?')}, "
                f"{info.get('kernel', '?')}, {info.get('os', '?')}; {info.get('java', '?')}; berth {info.get('berth', '?')}, "
                f"AOT cache: {info.get('berth AOT cache', '?')}.")
    load = read_lines(os.path.join(out, "daemon-load.tsv"))
    if load:
        body.append("Load average (1, 5, 15 min) on the 2 shared cores: " +
                    "; ".join(f"{l.split(chr(9))[0]} {l.split(chr(9))[1]}" for l in load) + ".")
    daemons = [f"{k[len('daemon '):]} {v}" for k, v in info.items() if k.startswith("daemon ")]
    body.append(f"docker CLI {info.get('docker CLI', '?')}; " + "; ".join(daemons) + ".")
    if "note" in info:
        body.append(f"Note: {info['note']}.")
    if "skipped" in info:
        body.append(f"Skipped: {info['skipped']} (errors in `daemon-skipped.tsv`).")
    body.append("")
    t, found = time_table(out, ps_n)
    body += t
    body.append("")
    m, mem, notes = memory_table(out)
    body.append("Idle memory of each daemon's process tree (dockerd with the containerd it started, berth's JVM "
                "with its spare stage), 2 s after it answered its first `/_ping` and again after the runs, "
                "with every container removed:")
    body.append("")
    body += m
    for note in notes:
        body.append("")
        body.append(f"- {note}")
    starts = read_json(os.path.join(out, "daemon-starts.json")) or []
    if starts:
        body.append("")
        body.append(f"Setting up the `ps` row ({ps_n} × `docker run -d ... sleep 3600`, 4 at a time) and removing "
                    "them (one `docker rm -f` of all), one measurement each:")
        body.append("")
        body.append("| daemon | running | start, wall [s] | containers/s | `rm -f` of all, wall [s] |")
        body.append("|:---|---:|---:|---:|---:|")
        for s in starts:
            rate = s["running"] / s["start_s"] if s["start_s"] else 0
            body.append(f"| {DAEMON_NAMES[s['daemon']]} | {s['running']} | {s['start_s']:.1f} | {rate:.1f} "
                        f"| {s.get('remove_s', 0):.1f} |")
    body.append("")
    body += targets(found, mem)
    rows = read_lines(os.path.join(out, "daemon-rows.tsv"))
    if rows:
        body.append("")
        body.append("The exact commands (`$WORK` is the run's temp dir; `-N`: no shell in between):")
        body.append("")
        for r in rows:
            scenario, name, cmd = r.split("\t")
            body.append(f"- {scenario}, {name}: `{cmd}`")
    return "\n".join(body) + "\n"


def update_docs(path, block):
    with open(path) as f:
        text = f.read()
    generated = f"{BEGIN}\n{block}{END}"
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        tail = rest.split(END, 1)[1]
        text = head + generated + tail
    else:
        text = text.rstrip("\n") + f"\n\n{HEADING}\n\n{generated}\n"
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.replace(path + ".tmp", path)


if __name__ == "__main__":
    block = render(sys.argv[1])
    print(block, end="")
    if len(sys.argv) > 2:
        update_docs(sys.argv[2], block)
