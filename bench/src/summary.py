"""summary.md for bench/run.sh: every section of this run as Markdown tables.

    python3 bench/src/summary.py OUT "SECTIONS" "KNOBS" > OUT/summary.md

Reads only the files of the sections in SECTIONS (the ones this run measured). Rows whose name
starts with "berth" are berth's; rows with "floor" or "alone" in their name (and `berth version`)
are references, not competitors; every other row is a peer. Each table has a "berth vs this row"
column, and a line under it names the peers berth loses to.
"""
import json
import os
import sys

OUT, SECTIONS, KNOBS = sys.argv[1], sys.argv[2].split(), sys.argv[3]
knobs = dict(kv.split("=", 1) for kv in KNOBS.split())


def load(name):
    path = os.path.join(OUT, name)
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def tsv(name):
    path = os.path.join(OUT, name)
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [line.rstrip("\n").split("\t") for line in f if line.strip()]


ROWS, SKIPPED = tsv("rows.tsv"), tsv("skipped.tsv")


def is_reference(name):
    return "floor" in name or "alone" in name or name.startswith("berth version") or "(reference)" in name


def is_berth(name):
    return name.startswith("berth") or name.startswith("warm library")


def ms(x):
    return f"{x:.1f}" if x >= 1 else f"{x:.2f}"


def hyperfine_rows(name):
    data = load(name)
    if data is None:
        return None
    return [{"name": r["command"], "median": r["median"] * 1000, "min": r["min"] * 1000,
             "max": r["max"] * 1000, "mean": r["mean"] * 1000, "stddev": r["stddev"] * 1000}
            for r in data["results"]]


def verdict(name, value, berth_value, berth_name, lower_is_better=True):
    """The "berth vs this row" cell."""
    if name == berth_name:
        return "(berth, the reference)"
    if is_berth(name):
        return "(berth)"
    if berth_value is None or value is None or value == 0:
        return "-"
    if is_reference(name):
        return f"floor/reference: berth takes {berth_value / value:.1f}x"
    slower = berth_value > value if lower_is_better else berth_value < value
    ratio = max(berth_value, value) / min(berth_value, value)
    return f"**berth loses** ({ratio:.2f}x)" if slower else f"berth wins ({ratio:.2f}x)"


def losses_line(rows, berth_name, what):
    berth = next((r for r in rows if r["name"] == berth_name), None)
    if berth is None:
        print(f"_{berth_name} did not run, so there is no comparison._\n")
        return
    lost = [r for r in rows if not is_berth(r["name"]) and not is_reference(r["name"])
            and r["median"] < berth["median"]]
    if lost:
        parts = ", ".join(f"{r['name']} ({ms(r['median'])} ms, {berth['median'] / r['median']:.1f}x faster)"
                          for r in sorted(lost, key=lambda r: r["median"]))
        print(f"**Where berth loses:** `{berth_name}` ({ms(berth['median'])} ms) is slower than {parts}"
              f" for {what}.\n")
    else:
        print(f"berth wins: `{berth_name}` is faster than every peer here ({what}); floors aside.\n")


def commands_block(section):
    rows = [r for r in ROWS if r[0] == section]
    if not rows:
        return
    print("<details><summary>the command of each row</summary>\n")
    print("| row | command |")
    print("|:---|:---|")
    seen = set()
    for _, name, command in rows:
        if name in seen:
            continue  # the scale rows repeat at every N; their commands are the same
        seen.add(name)
        print(f"| {name} | `{command.strip()}` |")
    print("\n</details>\n")


def skipped_lines(section):
    for _, name, error in (r for r in SKIPPED if r[0] == section):
        print(f"- skipped **{name}**: `{error}`")
    if any(r[0] == section for r in SKIPPED):
        print()


def hyperfine_table(rows, berth_name, extra=None):
    berth = next((r["median"] for r in rows if r["name"] == berth_name), None)
    print("| row | median [ms] | min [ms] | max [ms] | mean ± σ [ms] | row / berth | berth vs this row |")
    print("|:---|---:|---:|---:|---:|---:|:---|")
    for r in rows + (extra or []):
        rel = f"{r['median'] / berth:.2f}x" if berth else "-"
        sd = f" ± {ms(r['stddev'])}" if r.get("stddev") is not None else ""
        print(f"| {r['name']} | {ms(r['median'])} | {ms(r['min'])} | {ms(r['max'])} | {ms(r['mean'])}{sd} |"
              f" {rel} | {verdict(r['name'], r['median'], berth, berth_name)} |")
    print()


# ---------------------------------------------------------------------------------------------

machine = {}
if os.path.exists(os.path.join(OUT, "machine.txt")):
    for line in open(os.path.join(OUT, "machine.txt")):
        key, _, value = line.partition(": ")
        machine[key] = value.strip()

print("# berth benchmark summary\n")
print(f"{machine.get('date', '?')}; {machine.get('cpu', '?')}, {machine.get('nproc', '?')} CPUs,"
      f" {machine.get('memory', '?')}; {machine.get('kernel', '?')}; berth {machine.get('berth', '?')}.")
print(f"Sections run: {' '.join(SECTIONS)}. Knobs: `{KNOBS}`. Produced by `bench/run.sh`;"
      f" the machine and tool versions are in `machine.txt`, the raw numbers in the JSON files named"
      f" under each table. All rows run as root in the private mount namespace described in"
      f" bench/README.md (hybrid cgroups).\n")

targets = []  # (target, measured, ratio, met or None)

# --- Start to exit --------------------------------------------------------------------------
print("## Start to exit\n")
start = hyperfine_rows("hyperfine.json") if "start" in SECTIONS else None
if start is None:
    print("_Not run (BENCH_ONLY)._\n")
else:
    print(f"`hyperfine -N --warmup {knobs['warmup']} --runs {knobs['runs']}` over all rows in one"
          f" invocation (`hyperfine.json`, `hyperfine.md`); the warm library path is"
          f" `bench/src/WarmStart.java` in one JVM, right after (`warm.json`). Each row starts a"
          f" container running `/bin/true` and waits for it to exit; berth (cold and warm) and podman"
          f" run with `--network none`, like runc, crun, unshare and bwrap, which make no network."
          f" Chart: `start.svg`.\n")
    warm = load("warm.json")
    extra = []
    if warm:
        failed = f", {warm['failures']} failed" if warm.get("failures") else ""
        extra.append({"name": f"warm library path (WarmStart, {warm['runs']} runs{failed}, p90 {warm['p90_ms']:.1f})",
                      "median": warm["median_ms"], "min": warm["min_ms"], "max": warm["max_ms"],
                      "mean": warm["mean_ms"], "stddev": None})
    hyperfine_table(start, "berth run --rm (cold CLI)", extra)
    losses_line(start, "berth run --rm (cold CLI)", "start to exit")
    if warm:
        peers = [r for r in start if not is_berth(r["name"]) and not is_reference(r["name"])
                 and r["median"] < warm["median_ms"]]
        if peers:
            print("The warm library path (no JVM start) still loses to: " +
                  ", ".join(f"{r['name']} ({ms(r['median'])} ms)" for r in peers) +
                  ". The crun and runc rows include about 1 ms of `/bin/sh` wrapper"
                  " (row `sh wrapper alone`).\n")
        else:
            print("The warm library path is faster than every peer.\n")
    skipped_lines("start")
    commands_block("start")
    med = {r["name"]: r["median"] for r in start}
    cold, floor = med.get("berth run --rm (cold CLI)"), med.get("JVM floor (hello world)")
    unshare, podman = med.get("unshare (kernel floor)"), med.get("podman run --rm")
    if cold and floor:
        targets.append(("cold CLI within 1.5x of the JVM floor", f"berth {ms(cold)} ms, JVM floor {ms(floor)} ms",
                        f"berth / floor = {cold / floor:.2f}x", cold <= 1.5 * floor))
    if cold and podman:
        targets.append(("cold CLI at least 5x faster than podman", f"berth {ms(cold)} ms, podman {ms(podman)} ms",
                        f"podman / berth = {podman / cold:.2f}x", podman >= 5 * cold))
    if warm and unshare:
        targets.append(("warm library path within 2x of unshare", f"warm {ms(warm['median_ms'])} ms, unshare {ms(unshare)} ms",
                        f"warm / unshare = {warm['median_ms'] / unshare:.2f}x", warm["median_ms"] <= 2 * unshare))

# --- Exec -----------------------------------------------------------------------------------
print("## Exec\n")
execs = hyperfine_rows("exec.json") if "exec" in SECTIONS else None
if execs is None:
    print("_Not run (BENCH_ONLY)._\n" if "exec" not in SECTIONS else "_No exec row could run._\n")
    skipped_lines("exec")
else:
    print(f"`hyperfine -N --warmup {knobs['warmup']} --runs {knobs['runs']}` over all rows in one"
          f" invocation (`exec.json`, `exec.md`): each row runs `true` in an already running"
          f" `/bin/sleep 3600` container of its engine (berth: `berth run -d`; runc and crun:"
          f" `run -d` of an OCI bundle; podman: `podman run -d`). `nsenter -t PID -a true` into"
          f" berth's container is the kernel floor: setns into every namespace, then exec.\n")
    hyperfine_table(execs, "berth exec")
    losses_line(execs, "berth exec", "exec")
    skipped_lines("exec")
    commands_block("exec")

# --- OCI runtime ----------------------------------------------------------------------------
print("## berth-runtime beside runc and crun\n")
ocis = hyperfine_rows("oci.json") if "oci" in SECTIONS else None
if ocis is None:
    print("_Not run (BENCH_ONLY)._\n" if "oci" not in SECTIONS else "_No OCI row could run._\n")
    skipped_lines("oci")
else:
    print(f"`hyperfine -N --warmup {knobs['warmup']} --runs {knobs['runs']}` over all rows in one"
          f" invocation (`oci.json`, `oci.md`), every runtime on the same bundle (busybox, `/bin/true`,"
          f" the default spec): `run`, and the four calls containerd's shim makes for a task, each"
          f" a process of its own (berth-runtime pays a JVM start for each).\n")
    hyperfine_table(ocis, "berth-runtime run")
    losses_line(ocis, "berth-runtime run", "oci")
    skipped_lines("oci")
    commands_block("oci")

# --- Scaling --------------------------------------------------------------------------------
print("## ps and inspect as containers grow\n")
scaling = load("scaling.json") if "scale" in SECTIONS else None
if scaling is None:
    print("_Not run (BENCH_ONLY)._\n")
else:
    points = scaling["points"]
    ops = ["berth ps -a", "berth inspect NAME", "berth run --rm", "lsns (reference)", "berth ns ls"]
    ops = [o for o in ops if any(o in p["ms"] for p in points)]
    print(f"At each N (running `/bin/sleep 3600` containers, started with `berth run -d` four at a"
          f" time), `hyperfine -N --warmup {scaling['warmup']} --runs {scaling['runs']}` over the"
          f" operations below in one invocation (`scale-N.json`; all of it in `scaling.json`; chart"
          f" `scaling.svg`). Cells: median (min–max) in ms. `inspect` looks up one name"
          f" (`bench-s-1`); `lsns` (util-linux) lists every namespace on the machine and is a"
          f" reference, not a peer.\n")
    print("| N | " + " | ".join(f"`{o}`" for o in ops) + " |")
    print("|---:|" + "---:|" * len(ops))
    for p in points:
        cells = []
        for o in ops:
            s = p["ms"].get(o)
            cells.append("-" if s is None else f"{ms(s['median'])} ({ms(s['min'])}–{ms(s['max'])})")
        print(f"| {p['n']} | " + " | ".join(cells) + " |")
    print()
    if scaling["berth_ns_ls"] != "timed":
        print(f"berth ns ls: not implemented yet (issue 5)\n")
    first, last = points[0], points[-1]
    for o in ("berth ps -a", "berth inspect NAME", "berth run --rm"):
        a, b = first["ms"].get(o), last["ms"].get(o)
        if o == "berth inspect NAME":
            a = next((p["ms"][o] for p in points if o in p["ms"]), None)
        if a and b and last["n"] > 0:
            grow = b["median"] / a["median"]
            word = "**grows**" if grow > 1.2 else "stays flat"
            print(f"- `{o}` {word}: {ms(a['median'])} ms → {ms(b['median'])} ms ({grow:.2f}x) up to N = {last['n']}.")
    lsns = last["ms"].get("lsns (reference)")
    ps = last["ms"].get("berth ps -a")
    if lsns and ps:
        side = "**slower**" if ps["median"] > lsns["median"] else "faster"
        print(f"- at N = {last['n']}, `berth ps -a` is {side} than `lsns`: {ms(ps['median'])} ms vs {ms(lsns['median'])} ms.")
    print()
    print("Memory at each N: Pss (`/proc/PID/smaps_rollup`, shared pages split among their users) of"
          " every monitor (`MonitorPid`) and every container process (`Pid`), read from"
          " `state.json` by `bench/src/pss.py`. MemAvailable is the whole machine's and noisy on a"
          " shared machine; it is there for kernel memory, which Pss does not count. Private memory"
          " (Private_Clean + Private_Dirty) is the part no other process shares: Pss per container"
          " falls as N grows because the static stage and busybox pages are shared by more"
          " processes; private memory per container should stay flat.\n")
    print("| N | running | monitors Pss sum [kB] | per monitor [kB] | containers Pss sum [kB] | per container process [kB] | Pss per container (both) [kB] | private per container (both) [kB] | MemAvailable [MiB] |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for p in points:
        m = p["memory"]
        f = lambda v: "-" if v is None else f"{v:g}"
        print(f"| {p['n']} | {m['running']} | {m['monitors']['pss_kb_sum']} | {f(m['monitors']['pss_kb_avg'])} |"
              f" {m['containers']['pss_kb_sum']} | {f(m['containers']['pss_kb_avg'])} |"
              f" {f(m['per_container_pss_kb'])} | {f(m.get('per_container_private_kb'))} | {m['mem_available_kb'] / 1024:.0f} |")
    print()
    rm = scaling["removal"]
    left = "none left" if rm["left_containers"] == 0 and rm["left_processes"] == 0 else \
        f"**LEFT OVER: {rm['left_containers']} containers, {rm['left_processes']} processes**"
    print(f"Removal: `berth rm -f` of all {rm['containers']} containers, `xargs -P 4 -n 1`, took"
          f" {rm['seconds']:.1f} s; {left}.\n")
    skipped_lines("scale")
    commands_block("scale")
    by_n = {p["n"]: p for p in points}
    if 100 in by_n and "berth ps -a" in by_n[100]["ms"]:
        v = by_n[100]["ms"]["berth ps -a"]["median"]
        targets.append(("`berth ps` cold under 60 ms with 100 containers", f"`berth ps -a` at N = 100: {ms(v)} ms",
                        f"{v / 60:.2f}x the budget", v < 60))
    else:
        targets.append(("`berth ps` cold under 60 ms with 100 containers", "N = 100 not measured (BENCH_SCALE)", "-", None))
    if 10 in by_n and 1000 in by_n and by_n[10]["memory"]["per_container_pss_kb"] and by_n[1000]["memory"]["per_container_pss_kb"]:
        a, b = by_n[10]["memory"]["per_container_pss_kb"], by_n[1000]["memory"]["per_container_pss_kb"]
        ok = by_n[1000]["memory"]["running"] >= 1000 and b <= 1.2 * a
        targets.append(("1000 running containers, flat per-container cost (Pss at 1000 within 1.2x of at 10)",
                        f"{by_n[1000]['memory']['running']} running; {b:g} kB per container at 1000, {a:g} kB at 10",
                        f"{b / a:.2f}x", ok))
    else:
        targets.append(("1000 running containers, flat per-container cost", "N = 10 and 1000 not both measured (BENCH_SCALE)", "-", None))

# --- Parallel start -------------------------------------------------------------------------
print("## Parallel start\n")
par = load("parallel.json") if "parallel" in SECTIONS else None
if par is None:
    print("_Not run (BENCH_ONLY)._\n")
else:
    print(f"{par['count']} detached `/bin/sleep 3600` containers started at once, `seq {par['count']} |"
          f" xargs -P {par['parallelism']}` (berth: `berth run -d --rootfs`; crun/runc: `run -d --bundle`"
          f" with distinct ids; podman: `podman run -d --network none --rootfs`), wall time from the"
          f" first start to the last one's return; then all removed the same way (`berth rm -f`,"
          f" `crun/runc delete -f`, `podman rm -f -t 0`). One run per engine and phase, so there is"
          f" no min/median/max: rerun to see the spread (`parallel.json`).\n")
    for phase, verb in (("start", "started"), ("remove", "removed")):
        rows = [(e, d[phase]) for e, d in par["engines"].items() if phase in d]
        berth = par["engines"].get("berth", {}).get(phase)
        print(f"| engine ({phase}) | {verb} | wall time [s] | containers / s | time / berth | berth vs this row |")
        print("|:---|---:|---:|---:|---:|:---|")
        for engine, d in rows:
            rate = "-" if d["per_second"] is None else f"{d['per_second']:.1f}"
            rel = f"{d['seconds'] / berth['seconds']:.2f}x" if berth and berth["seconds"] else "-"
            v = "(berth)" if engine == "berth" else verdict(engine, d["seconds"], berth and berth["seconds"], "berth")
            short = "" if d["done"] == d["wanted"] else f" **({d['wanted'] - d['done']} failed: `{d['last_error']}`)**"
            print(f"| {engine} | {d['done']} of {d['wanted']}{short} | {d['seconds']:.2f} | {rate} | {rel} | {v} |")
        print()
        if berth:
            faster = [e for e, d in rows if e != "berth" and d["seconds"] < berth["seconds"]]
            if faster:
                print(f"**Where berth loses ({phase}):** " + ", ".join(
                    f"{e} is {berth['seconds'] / par['engines'][e][phase]['seconds']:.1f}x faster" for e in faster) + ".\n")
            else:
                print(f"berth wins ({phase}): faster than every other engine here.\n")
    skipped_lines("parallel")

# --- Memory ---------------------------------------------------------------------------------
print("## Memory\n")
memory = load("memory.json") if "memory" in SECTIONS else None
if memory is None:
    print("_Not run (BENCH_ONLY)._\n")
else:
    print("What one running container costs besides its own processes, one second after a detached"
          " start (`berth run -d ... /bin/sleep 30`, `podman run -d ... /bin/sleep 3600`): VmRSS from"
          " `/proc/PID/status`, Pss from `/proc/PID/smaps_rollup` (`monitor.json`, `memory.json`)."
          " berth's monitor is found with `inspect -f '{{.State.MonitorPid}}'`, podman's conmon as"
          " the parent (`ps -o ppid=`) of `podman inspect -f '{{.State.Pid}}'`.\n")
    pc = memory["per_container"]
    berth_pss = pc["berth"]["pss_kb"]
    print("| engine | per-container process | Pss [kB] | VmRSS [kB] | anon [kB] | file [kB] | Pss / berth | berth vs this row |")
    print("|:---|:---|---:|---:|---:|---:|---:|:---|")
    for engine, d in pc.items():
        if d is None:
            print(f"| {engine} | not measured (podman skipped) | - | - | - | - | - | - |")
            continue
        proc = d["process"] or f"none ({d['note']})"
        rel = f"{d['pss_kb'] / berth_pss:.2f}x" if berth_pss else "-"
        if engine == "berth":
            v = "(berth)"
        elif d["pss_kb"] == 0:
            v = "**berth loses**: nothing to pay here"
        else:
            v = verdict(engine, d["pss_kb"], berth_pss, "berth")
        g = lambda k: d.get(k, "-") if d.get(k) is not None else "-"
        print(f"| {engine} | {proc} | {d['pss_kb']} | {g('rss_kb')} | {g('rss_anon_kb')} | {g('rss_file_kb')} | {rel} | {v} |")
    print()
    print("The engine at idle (no container running):\n")
    print("| engine | idle memory | note |")
    print("|:---|---:|:---|")
    for engine, d in memory["idle"].items():
        print(f"| {engine} | {'-' if d['pss_kb'] is None else str(d['pss_kb']) + ' kB'} | {d['note']} |")
    print()
    if scaling:
        per = [(p["n"], p["memory"]["per_container_pss_kb"]) for p in scaling["points"] if p["memory"]["per_container_pss_kb"]]
        if per:
            print("Pss per berth container (monitor + `/bin/sleep`) as containers grow, from the scaling section: " +
                  ", ".join(f"{v:g} kB at N = {n}" for n, v in per) + ".\n")
    skipped_lines("memory")
    mon = pc["berth"]
    targets.append(("monitor RSS < 1 MiB", f"VmRSS {mon['rss_kb']} kB (anon {mon['rss_anon_kb']}, file {mon['rss_file_kb']}), Pss {mon['pss_kb']} kB",
                    f"{mon['rss_kb'] / 1024:.2f} MiB", mon["rss_kb"] < 1024))

# --- Networking -----------------------------------------------------------------------------
print("## Networking\n")
if "net" not in SECTIONS:
    print("_Not run (BENCH_ONLY)._\n")
else:
    print("Everything here ran in a network namespace made for the run (`ip netns add berth-bench-PID`),"
          " deleted at its end: berth's bridge `berth0`, its veth pairs and its `table ip berth`, and the"
          " hand-built twin, never touched the host's network.\n")
    netstart = hyperfine_rows("net-start.json")
    none_row = "berth run --rm --network none"
    bridge_row = "berth run --rm --network bridge"
    if netstart:
        print(f"**Start latency, cold CLI.** `hyperfine -N --warmup {knobs['warmup']} --runs {knobs['runs']}` over"
              f" the rows in one invocation (`net-start.json`): `true` from the host image, start to exit and"
              f" removal; `--network none` is a network namespace with loopback only. Ratios are to it.\n")
        hyperfine_table(netstart, none_row)
        b = next((r for r in netstart if r["name"] == bridge_row), None)
        n = next((r for r in netstart if r["name"] == none_row), None)
        if b and n:
            print(f"A bridge adds {b['median'] - n['median']:.1f} ms to a cold `berth run --rm`"
                  f" ({ms(b['median'])} vs {ms(n['median'])} ms, medians).\n")
    warm = load("net-warm.json")
    if warm:
        print(f"**Start latency, warm library path** (`bench/src/WarmNet.java`: one JVM, `Engine.run` of"
              f" `true` to its exit and removal, bridge and none alternately, {warm['runs']} runs each after"
              f" {warm['warmups']} warm-ups; `net-warm.json`):\n")
        print("| row | median [ms] | min [ms] | p90 [ms] | max [ms] |")
        print("|:---|---:|---:|---:|---:|")
        for key, label in (("bridge", "warm, --network bridge"), ("none", "warm, --network none")):
            d = warm[key]
            print(f"| {label} | {ms(d['median_ms'])} | {ms(d['min_ms'])} | {ms(d['p90_ms'])} | {ms(d['max_ms'])} |")
        print()
        extra = warm["median_extra_ms"]
        print(f"Extra for the bridge, warm: {extra:.2f} ms (median of the differences of neighbouring runs;"
              f" {warm['extra_of_medians_ms']:.2f} ms as the difference of the medians).\n")
        targets.append(("bridge start latency over `--network none`, warm, under 5 ms",
                        f"{extra:.2f} ms (bridge {ms(warm['bridge']['median_ms'])} ms, none {ms(warm['none']['median_ms'])} ms)",
                        f"{extra / 5:.2f}x the budget", extra < 5))
    iperf = load("net-iperf.json")
    if iperf:
        print(f"**TCP throughput** (iperf3, one stream, {iperf['seconds']} s per run, {iperf['repeat']} rounds,"
              f" berth and its hand-built twin back to back in alternating order; `net-iperf.json`). The"
              f" hand-built twin is the same topology made with `ip` (a bridge, two namespaces on veth pairs)"
              f" and `nft` (a DNAT of the host address's port to the server), in the same namespace. The host"
              f" address is 192.0.2.1, on the benchmark namespace's loopback link.\n")
        print("| row | median [Gbit/s] | min | max | berth / by hand |")
        print("|:---|---:|---:|---:|---:|")
        by = {r["name"]: r for r in iperf["rows"]}
        pairs = {}
        names = [r["name"] for r in iperf["rows"]]
        for bname in names:
            if bname.startswith("berth"):
                twin = next((h for h in names if h.startswith("by hand") and names.index(h) == names.index(bname) + 1), None)
                if twin:
                    pairs[bname] = twin
        for r in iperf["rows"]:
            if r["median"] is None:
                print(f"| {r['name']} | failed | - | - | - |")
                continue
            ratio = "-"
            if r["name"] in pairs and by[pairs[r["name"]]]["median"]:
                ratio = f"{r['median'] / by[pairs[r['name']]]['median']:.2f}x"
            print(f"| {r['name']} | {r['median']:.2f} | {r['min']:.2f} | {r['max']:.2f} | {ratio} |")
        print()
        for bname, hname in pairs.items():
            bm, hm = by[bname]["median"], by[hname]["median"]
            if bm and hm:
                targets.append((f"throughput equal to the same path by hand ({bname.split(', ', 1)[1]})",
                                f"berth {bm:.2f} Gbit/s, by hand {hm:.2f} Gbit/s", f"{bm / hm:.2f}x",
                                abs(bm / hm - 1) <= 0.10))
        print("<details><summary>the command of each throughput row</summary>\n")
        print("| row | command |")
        print("|:---|:---|")
        for r in iperf["rows"]:
            print(f"| {r['name']} | `{r['command']}` |")
        print("\n</details>\n")
    skipped_lines("net")
    commands_block("net")

# --- Targets --------------------------------------------------------------------------------
print("## Targets\n")
print("Checked on the medians of this run (sections not run are left out).\n")
print("| target | measured | ratio | status |")
print("|:---|:---|:---|:---|")
if not targets:
    print("| (no section with a target ran) | - | - | - |")
for name, measured, ratio, ok in targets:
    status = "not measured" if ok is None else ("met" if ok else "**NOT met**")
    print(f"| {name} | {measured} | {ratio} | {status} |")
print()
if machine.get("skipped"):
    print(f"Skipped in this run: {machine['skipped']}.")
