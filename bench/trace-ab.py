#!/usr/bin/env python3
"""Per-step medians of BERTH_TRACE=1 marks of two berth builds, run alternately.

    bench/trace-ab.py ROUNDS A/bin/berth B/bin/berth -- ARGS...

Each round runs A and B once (in turn first), each with BERTH_TRACE=1; a stamp taken just
before the launcher is exec'd is the first mark ("exec"), the parent's wait the last ("gone").
Prints, per step (a mark minus the one before it), the median of A, of B and the difference,
then main -> exit and the total. Marks starting with "~" (temporary ones) are left out. Used for
docs/performance.md ("Cold path, session 11"); A and B are two builds side by side (bin/ and
cli/target/berth of each, copied).
"""
import os
import statistics
import subprocess
import sys
import time


def stamp_and_exec(argv):
    now = time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000
    sys.stderr.write("[trace] %d exec\n" % now)
    sys.stderr.flush()
    os.execv(argv[0], argv)


def one(berth, args):
    env = dict(os.environ, BERTH_TRACE="1")
    p = subprocess.run([sys.executable, __file__, "--exec", berth] + args, env=env,
                       stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    gone = time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000
    marks = []
    for line in p.stderr.splitlines():
        if line.startswith("[trace] "):
            t, name = line[8:].split(" ", 1)
            if not name.startswith("~"):
                marks.append((name, int(t)))
        elif line.strip():
            sys.stderr.write(line + "\n")
    marks.append(("gone", gone))
    return marks


def steps(runs):
    out, order = {}, []
    for r in runs:
        for i in range(1, len(r)):
            k = r[i][0]
            if k not in out:
                out[k] = []
                order.append(k)
            out[k].append((r[i][1] - r[i - 1][1]) / 1000)
        m = dict(r)
        if "main" in m and "exit" in m:
            out.setdefault("main -> exit", []).append((m["exit"] - m["main"]) / 1000)
        out.setdefault("total", []).append((r[-1][1] - r[0][1]) / 1000)
    return out, order + ["main -> exit", "total"]


def main():
    if len(sys.argv) > 2 and sys.argv[1] == "--exec":
        stamp_and_exec(sys.argv[2:])
    if len(sys.argv) < 5 or sys.argv[4] != "--":
        sys.exit(__doc__)
    rounds, a, b, args = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[5:]
    runs = {a: [], b: []}
    for i in range(rounds):
        for berth in ((a, b) if i % 2 == 0 else (b, a)):
            runs[berth].append(one(berth, args))
    sa, order = steps(runs[a])
    sb, _ = steps(runs[b])
    for k in sb:
        if k not in order:
            order.insert(len(order) - 2, k)
    print("%-24s %9s %9s %9s" % ("step (ms, median)", "A", "B", "B - A"))
    for k in order:
        ma = statistics.median(sa[k]) if k in sa else None
        mb = statistics.median(sb[k]) if k in sb else None
        # a step that not every run has (a path taken only sometimes): its median over the runs that have it
        na, nb = len(sa.get(k, [])), len(sb.get(k, []))
        note = "" if na == nb == rounds else "  (in %d of A's runs, %d of B's)" % (na, nb)
        print("%-24s %9s %9s %9s%s" % (k, "-" if ma is None else "%.2f" % ma, "-" if mb is None else "%.2f" % mb,
                                       "" if ma is None or mb is None else "%+.2f" % (mb - ma), note))


if __name__ == "__main__":
    main()
