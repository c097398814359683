#!/bin/bash
# 1000 running containers (issue 10): how long ps and inspect take with that many, and what one
# more container costs in memory. As root, after bin/build. Knobs: BENCH_MANY (1000),
# BENCH_MANY_JOBS (parallel runs while starting, 4). Every container runs `sleep` on the host
# image with --network none, under a state root and cgroup parent of this script's own, which
# are removed at the end (the containers by berth rm -f, whatever happens).
set -euo pipefail
repo=$(dirname "$(dirname "$(readlink -f "$0")")")
n=${BENCH_MANY:-1000}
jobs=${BENCH_MANY_JOBS:-4}
work=$(mktemp -d /tmp/berth-many.XXXXXX)
export BERTH_CGROUP_PARENT="/${work##*/}"
berth=("$repo/bin/berth" --root "$work/root")
cleanup() {
    "${berth[@]}" ps -aq --no-trunc 2>/dev/null | xargs -r -n 50 "${berth[@]}" rm -f >/dev/null 2>&1 || true
    for d in /sys/fs/cgroup/*"$BERTH_CGROUP_PARENT" /sys/fs/cgroup/*/"${BERTH_CGROUP_PARENT#/}"; do
        [ -d "$d" ] && rmdir "$d" 2>/dev/null || true
    done
    rm -rf "$work"
}
trap cleanup EXIT
"${berth[@]}" version >/dev/null
avail() { awk '/MemAvailable/ {print $2}' /proc/meminfo; }
ms() { local t0 t1; t0=$(date +%s%N); "$@" >/dev/null; t1=$(date +%s%N); echo $(((t1 - t0) / 1000000)); }

before=$(avail)
t0=$(date +%s)
seq 1 "$n" | xargs -P "$jobs" -I{} "${berth[@]}" run -d --name c{} --network none host sleep 100000 >/dev/null
started=$(($(date +%s) - t0))
sleep 2
after=$(avail)
running=$("${berth[@]}" ps -q | wc -l)
[ "$running" -eq "$n" ] || { echo "bench: $running of $n containers run" >&2; exit 1; }

# the monitors' own memory (proportional set size: shared pages split between them)
pss=0
for p in $(pgrep -x berth-monitor 2>/dev/null || true); do
    case $(readlink "/proc/$p/cwd") in "$work"/*)
        pss=$((pss + $(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup"))) ;;
    esac
done

best() { local best=999999 t; for _ in 1 2 3 4 5; do t=$(ms "$@"); [ "$t" -lt "$best" ] && best=$t; done; echo "$best"; }
ps_ms=$(best "${berth[@]}" ps)
psa_ms=$(best "${berth[@]}" ps -a)
inspect_ms=$(best "${berth[@]}" inspect "c$((n / 2))")
one_ms=$(best "${berth[@]}" run --rm --network none host true)

echo "containers            $n (started in ${started} s, $jobs at a time)"
echo "ps                    ${ps_ms} ms (best of 5)"
echo "ps -a                 ${psa_ms} ms"
echo "inspect (one)         ${inspect_ms} ms"
echo "run --rm true         ${one_ms} ms (with $n running)"
echo "memory per container  $(((before - after) / n)) KiB (MemAvailable before and after, kernel included)"
echo "monitor per container $((pss / n)) KiB (Pss of berth-monitor)"
t0=$(date +%s)
"${berth[@]}" ps -aq --no-trunc | xargs -r -n 50 "${berth[@]}" rm -f >/dev/null
echo "rm -f of all          $(($(date +%s) - t0)) s (50 per command)"
