#!/bin/bash
# A bounded soak of berth daemon (issue 10): the real docker CLI runs `docker run --rm` in a loop
# against the daemon's unix socket (no network: --network none), and the daemon's open fds and
# resident memory are sampled as it goes. A leak shows as a count that keeps climbing after the
# first minutes (the JIT and the heap settle first). As root, after bin/build, with a docker CLI
# on PATH or at /usr/local/bin/docker. Knobs: BENCH_SOAK_SECONDS (600), BENCH_SOAK_EVERY (sample
# every N runs, 25), BENCH_OUT (a temporary directory: samples.csv). Stops by itself.
set -euo pipefail
repo=$(dirname "$(dirname "$(readlink -f "$0")")")
seconds=${BENCH_SOAK_SECONDS:-600}
every=${BENCH_SOAK_EVERY:-25}
docker=$(command -v docker || echo /usr/local/bin/docker)
[ -x "$docker" ] || { echo "bench: no docker CLI" >&2; exit 1; }
work=$(mktemp -d /tmp/berth-soak.XXXXXX)
out=${BENCH_OUT:-$work/out}
mkdir -p "$out"
export BERTH_CGROUP_PARENT="/${work##*/}"
sock=$work/api.sock
"$repo/bin/berth" --root "$work/root" daemon -H "unix://$sock" >"$work/daemon.log" 2>&1 &
daemon=$!
cleanup() {
    "$docker" -H "unix://$sock" rm -f $("$docker" -H "unix://$sock" ps -aq 2>/dev/null) >/dev/null 2>&1 || true
    kill "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null || true
    for d in /sys/fs/cgroup/*"$BERTH_CGROUP_PARENT" /sys/fs/cgroup/*/"${BERTH_CGROUP_PARENT#/}"; do
        [ -d "$d" ] && rmdir "$d" 2>/dev/null || true
    done
    [ -n "${BENCH_OUT:-}" ] || cat "$out/samples.csv" >&2
    rm -rf "$work"
}
trap cleanup EXIT
for _ in $(seq 1 300); do [ -S "$sock" ] && break; sleep 0.05; done
[ -S "$sock" ] || { echo "bench: the daemon did not listen" >&2; cat "$work/daemon.log" >&2; exit 1; }
dk=("$docker" -H "unix://$sock")
sample() {
    local fds rss
    fds=$(ls "/proc/$daemon/fd" | wc -l)
    rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$daemon/status")
    echo "$1,$(($(date +%s) - start)),$fds,$rss" >>"$out/samples.csv"
}
echo "runs,seconds,fds,rss_kib" >"$out/samples.csv"
start=$(date +%s)
runs=0 failed=0
sample 0
while [ $(($(date +%s) - start)) -lt "$seconds" ]; do
    code=0
    "${dk[@]}" run --rm --network none host sh -c 'exit 3' >/dev/null 2>&1 || code=$?
    [ "$code" -eq 3 ] || failed=$((failed + 1))
    runs=$((runs + 1))
    if [ $((runs % every)) -eq 0 ]; then
        sample "$runs"
    fi
done
sample "$runs"
left=$("${dk[@]}" ps -aq | wc -l)
echo "runs $runs in $seconds s, wrong exit codes $failed, containers left $left"
awk -F, 'NR == 2 {f0 = $3; r0 = $4} NR > 1 {f = $3; r = $4; if ($3 > fm) fm = $3; if ($4 > rm) rm = $4}
    END {printf "fds %d at the start, %d at the end, %d at most\nrss %d KiB at the start, %d KiB at the end, %d KiB at most\n", f0, f, fm, r0, r, rm}' \
    "$out/samples.csv"
[ "$failed" -eq 0 ] && [ "$left" -eq 0 ]
