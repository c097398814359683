#!/usr/bin/env bash
# bench/daemon.sh: the same docker CLI against three daemons, each scenario in ONE hyperfine run
# so that the ratios hold on a noisy machine:
#   berth daemon                 bin/berth (a frozen copy), its own --root with busybox loaded
#   dockerd (+ its containerd)   Debian's docker.io, private --data-root/--exec-root/--pidfile
#   podman system service        private --root/--runroot/--tmpdir, overlay storage
# Scenarios: `docker run --rm busybox true`, `docker exec C true` into a running container,
# `docker ps` with BENCH_PS_CONTAINERS running containers, and each daemon's idle memory (Rss and
# Pss of its process tree) after its start and after the runs. Every container runs with
# `--network none`. Results: $BENCH_OUT/daemon-*.json and daemon.md; with the default BENCH_OUT
# also the generated part of the daemon section of docs/performance.md. See bench/README.md.
#
#   bench/daemon.sh                                  # as root; results in bench/results/
#   BENCH_OUT=/tmp/d BENCH_RUNS=3 BENCH_PS_CONTAINERS=10 bench/daemon.sh
#
# Knobs (environment): BENCH_OUT (bench/results), BENCH_RUNS (30), BENCH_WARMUP (3),
# BENCH_PS_CONTAINERS (100), BENCH_DAEMONS ("berth dockerd podman"; berth is always in),
# BENCH_DOCKER (/usr/local/bin/docker), BENCH_DOCS (1 when BENCH_OUT is the default: update
# docs/performance.md), BENCH_NO_INSTALL=1; for profiling berth: BENCH_BERTH_DEBUG=1 (its request
# trace with times, daemon-berth-trace.log), BENCH_BERTH_JFR=FILE (a JFR recording of its daemon),
# BENCH_BERTH_JAVA_OPTS (more JVM options for its daemon, through JAVA_TOOL_OPTIONS), BENCH_BERTH_ENV
# ("NAME=VALUE ...": more environment for its daemon, e.g. MALLOC_ARENA_MAX=2). BENCH_TIMEOUT
# (1800): seconds one hyperfine run may take; past it, berth's threads and the daemons' logs are kept.
#
# Nothing stays behind, and the host's network and firewall are never touched: every daemon runs
# in a mount namespace of its own (a tmpfs on /run, so containerd's shim sockets, crun's state and
# the like go there; /sys/fs/cgroup/unified hidden in cgroup hybrid mode, for crun) and in an
# empty network namespace; dockerd also gets --bridge=none --iptables=false --ip6tables=false
# --ip-forward=false --ip-masq=false --userland-proxy=false. Containers go under cgroup parents of
# this run (/berth-dbench-PID-DAEMON), which the exit trap removes after ending every process left
# in them and in the daemons' namespaces, each by its pid. It never kills by name.
set -euo pipefail

repo=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
out=${BENCH_OUT:-$repo/bench/results}
docs=${BENCH_DOCS:-$([ -z "${BENCH_OUT:-}" ] && echo 1 || echo 0)}
runs=${BENCH_RUNS:-30}
warmup=${BENCH_WARMUP:-3}
ps_n=${BENCH_PS_CONTAINERS:-100}
wanted=${BENCH_DAEMONS:-berth dockerd podman}
docker=${BENCH_DOCKER:-/usr/local/bin/docker}
# shellcheck source=bench/lib.sh
. "$repo/bench/lib.sh"

[ "$(id -u)" -eq 0 ] || die "run me as root: containers need it"
for v in "$runs" "$warmup" "$ps_n"; do
    case $v in '' | *[!0-9]*) die "BENCH_RUNS, BENCH_WARMUP, BENCH_PS_CONTAINERS: '$v' is not a number" ;; esac
done
for d in $wanted; do
    case $d in berth | dockerd | podman) ;; *) die "BENCH_DAEMONS: unknown daemon '$d' (known: berth dockerd podman)" ;; esac
done
[ -x "$docker" ] || docker=$(command -v docker) || die "no docker CLI (BENCH_DOCKER, /usr/local/bin/docker)"

work=$(mktemp -d /tmp/berth-dbench.XXXXXX)
tag=berth-dbench-$$
self_ns=$(readlink /proc/self/ns/mnt)
daemons=()               # the daemons that started, in row order (berth first)
declare -A pid=()        # daemon -> its pid (the process this script started)
declare -A mntns=()      # daemon -> its mount namespace (ours, made by unshare)
declare -A sock=()       # daemon -> its socket
declare -A label=()      # daemon -> its row name
label[berth]="berth daemon"
label[dockerd]="dockerd + containerd"
label[podman]="podman system service"

# the docker CLI: no user configuration, contexts or hints
export DOCKER_CONFIG=$work/docker-config
export DOCKER_CLI_HINTS=false
mkdir -p "$DOCKER_CONFIG"
echo '{}' >"$DOCKER_CONFIG/config.json"
dk() { # daemon args...: the docker CLI against that daemon
    local d=$1
    shift
    "$docker" -H "unix://${sock[$d]}" "$@"
}
# every container: no network, and a cgroup parent of this run. berth takes its parent from
# BERTH_CGROUP_PARENT (set on its daemon) and ignores the field; dockerd and podman honour it
cflags() { echo "--network none --cgroup-parent /$tag-$1"; }

# what dockerd 20.10 writes outside its directories unless told otherwise
key_json_existed=""
[ -e /etc/docker/key.json ] && key_json_existed=1

cleanup() {
    set +e
    local d p
    for d in "${daemons[@]}"; do
        [ -e "/proc/${pid[$d]}" ] || continue
        dk "$d" ps -aq 2>/dev/null | xargs -r timeout 120 "$docker" -H "unix://${sock[$d]}" rm -f >/dev/null 2>&1
        stop_daemon "$d"
    done
    # what a daemon left: every process in its namespace, every process in our cgroups (containers,
    # podman's conmons), each by its pid; then the cgroups
    for d in "${!mntns[@]}"; do
        for p in $(ns_pids "${mntns[$d]}"); do
            log "killing pid $p ($(cat "/proc/$p/comm" 2>/dev/null)), left in the namespace of $d"
            kill -KILL "$p" 2>/dev/null
        done
    done
    for d in berth dockerd podman; do
        remove_cgroups "/$tag-$d"
    done
    if [ -z "$key_json_existed" ] && [ -e /etc/docker/key.json ]; then
        log "dockerd made /etc/docker/key.json: removing it"
        rm -f /etc/docker/key.json
    fi
    # never rm -rf through a mount point: unmount what is left under $work, then check again
    awk -v w="$work/" 'index($5, w) == 1 { print $5 }' /proc/self/mountinfo | sort -r |
        while read -r m; do umount -l "$m"; done
    if awk -v w="$work/" 'index($5, w) == 1 { found = 1 } END { exit !found }' /proc/self/mountinfo; then
        log "mounts remain under $work; leaving it in place"
    else
        rm -rf --one-file-system "$work"
    fi
}
ns_pids() { # mount-namespace: the pids living in it (never our own namespace)
    [ -n "$1" ] && [ "$1" != "$self_ns" ] || return 0
    local f
    for f in /proc/[0-9]*/ns/mnt; do
        [ "$(readlink "$f" 2>/dev/null)" = "$1" ] && { f=${f#/proc/}; echo "${f%%/*}"; }
    done
    return 0
}
remove_cgroups() { # /parent: its processes killed by pid (five tries), then its directories, deepest first
    local dirs p
    dirs=$(find /sys/fs/cgroup/ -maxdepth 2 -type d -path "*$1" 2>/dev/null || true)
    [ -n "$dirs" ] || return 0
    for _ in 1 2 3 4 5; do
        # shellcheck disable=SC2086 # the cgroup directories of this parent, one per hierarchy
        p=$(find $dirs -name cgroup.procs -exec cat {} + 2>/dev/null | sort -u)
        [ -n "$p" ] || break
        log "killing pids $(echo "$p" | tr '\n' ' ')in cgroup $1"
        # shellcheck disable=SC2086 # a list of pids
        kill -KILL $p 2>/dev/null
        sleep 1
    done
    # shellcheck disable=SC2086 # the cgroup directories of this parent, one per hierarchy
    find $dirs -depth -type d -exec rmdir {} \; 2>/dev/null
    for p in $dirs; do
        [ -d "$p" ] && log "could not remove cgroup $p"
    done
    return 0
}
stop_daemon() { # daemon: SIGTERM to its pid, up to 30 s, then SIGKILL
    local d=$1 i
    kill -TERM "${pid[$d]}" 2>/dev/null
    for i in $(seq 300); do
        [ -e "/proc/${pid[$d]}" ] || break
        sleep 0.1
    done
    if [ -e "/proc/${pid[$d]}" ]; then
        log "$d did not stop within 30 s of SIGTERM: SIGKILL"
        kill -KILL "${pid[$d]}" 2>/dev/null
    fi
    wait "${pid[$d]}" 2>/dev/null
    return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------------------------------------
# Peers and tools

have hyperfine hyperfine || die "hyperfine is required"
have python3 python3-minimal || die "python3 is required"
have unshare util-linux || die "unshare (util-linux) is required"
have umoci umoci || die "umoci is required (the busybox image)"
have skopeo skopeo || die "skopeo is required (the busybox image)"
have curl curl || die "curl is required (readiness)"
need_static_busybox
case " $wanted " in *" dockerd "*)
    # installing docker.io on a systemd machine starts a dockerd with the default bridge and
    # iptables rules: only when no service can start (no systemd, or policy-rc.d says no)
    if ! command -v dockerd >/dev/null 2>&1 && [ -d /run/systemd/system ] &&
        ! { [ -x /usr/sbin/policy-rc.d ] && { /usr/sbin/policy-rc.d docker start >/dev/null 2>&1; [ $? -eq 101 ]; }; }; then
        log "not installing docker.io: its postinst would start a dockerd that sets up the host's network; install it yourself"
        wanted=${wanted/dockerd/}
    elif ! have dockerd docker.io 600; then
        wanted=${wanted/dockerd/}
    fi
    ;;
esac
case " $wanted " in *" podman "*) have podman podman 300 || wanted=${wanted/podman/} ;; esac

. "$repo/bin/lib/java.sh"
java_home=$(berth_find_jdk) || die "no JDK >= 25 found (see bin/lib/java.sh)"
java=$java_home/bin/java
freeze_berth # berth, dist: a frozen copy of bin/berth and cli/target/berth (bench/lib.sh)

mkdir -p "$out"
rm -f "$out"/daemon-{run,exec,ps}.{json,md,txt} "$out"/daemon-{memory,starts}.json \
    "$out"/daemon-{machine.txt,rows.tsv,skipped.tsv,load.tsv,berth-trace.log,berth-threads.txt} "$out/daemon.md" \
    "$out"/daemon-berth-jvm-*.txt
rm -rf "$out/daemon-logs"
: >"$out/daemon-rows.tsv"
: >"$out/daemon-skipped.tsv"
: >"$out/daemon-load.tsv"
load_mark() { printf '%s\t%s\n' "$1" "$(cut -d' ' -f1-3 /proc/loadavg)" >>"$out/daemon-load.tsv"; }
load_mark start

# ---------------------------------------------------------------------------------------------
# The busybox image, offline: static busybox and a symlink per applet in one layer (umoci), as a
# docker-archive (skopeo) that all three daemons load

log "building the busybox image"
umoci init --layout "$work/layout"
umoci new --image "$work/layout:latest"
umoci unpack --image "$work/layout:latest" "$work/bundle" >/dev/null
mkdir -p "$work/bundle/rootfs/bin" "$work/bundle/rootfs/etc" "$work/bundle/rootfs/tmp"
cp /bin/busybox "$work/bundle/rootfs/bin/busybox"
for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -s busybox "$work/bundle/rootfs/bin/$a"; done
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$work/bundle/rootfs/etc/passwd"
umoci repack --image "$work/layout:latest" "$work/bundle"
umoci config --image "$work/layout:latest" --config.env PATH=/bin --config.cmd /bin/sh
archive=$work/busybox.tar
skopeo copy --quiet "oci:$work/layout:latest" "docker-archive:$archive:busybox:latest"
rm -rf "$work/bundle"

# ---------------------------------------------------------------------------------------------
# The daemons, each in a mount namespace of its own (tmpfs /run; no cgroup2 controllers in hybrid
# mode) and an empty network namespace. unshare and the wrapper exec: $! is the daemon's pid.

hide_unified=""
hybrid_cgroups && hide_unified=1
cat >"$work/peer-ns" <<'EOF'
#!/bin/sh
mount -t tmpfs -o mode=755 tmpfs /run || exit 125
if [ -n "$BENCH_HIDE_UNIFIED" ]; then umount /sys/fs/cgroup/unified || exit 125; fi
exec "$@"
EOF
chmod +x "$work/peer-ns"

skipped=()
skip() { # name what-failed log-file
    log "skipping '$1': $2 failed:"
    tail -5 "$3" | sed 's/^/    /' >&2
    skipped+=("$1")
    printf '%s\t%s\n' "$1" "$({ grep -v '^[[:space:]]*$' "$3" || true; } | tail -1 | tr '\t' ' ')" >>"$out/daemon-skipped.tsv"
}

declare -A ready_s=()    # daemon -> seconds from exec to the first answered /_ping
start_daemon() { # name command...
    local d=$1 t0 i p
    shift
    sock[$d]=$work/$d.sock
    t0=$(date +%s%N)
    BENCH_HIDE_UNIFIED=$hide_unified unshare --mount --propagation private --net "$work/peer-ns" "$@" \
        </dev/null >"$work/$d.log" 2>&1 &
    p=$!
    pid[$d]=$p
    for i in $(seq 1200); do
        if curl -sf --unix-socket "${sock[$d]}" http://d/_ping >/dev/null 2>&1; then
            ready_s[$d]=$(awk -v a="$t0" -v b="$(date +%s%N)" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
            break
        fi
        [ -e "/proc/$p" ] || break
        sleep 0.05
    done
    mntns[$d]=$(readlink "/proc/$p/ns/mnt" 2>/dev/null || true)
    if [ -z "${ready_s[$d]:-}" ]; then
        echo "no answer on ${sock[$d]} within 60 s" >>"$work/$d.log"
        [ -e "/proc/$p" ] && stop_daemon "$d"
        return 1
    fi
    [ "${mntns[$d]}" != "$self_ns" ] || die "$d runs in our own mount namespace: unshare did not exec"
    daemons+=("$d")
    log "$d: pid $p, answering after ${ready_s[$d]} s"
}

measure_idle() { # daemon file: the memory of its process tree, after 2 s at idle
    sleep 2
    python3 "$repo/bench/src/daemon_mem.py" "${pid[$1]}" "${mntns[$1]}" >"$2"
    if [ "$1" = berth ]; then # where the JVM's memory is: its heap, and its native memory with NMT on
        { "$java_home/bin/jcmd" "${pid[berth]}" GC.heap_info
            "$java_home/bin/jcmd" "${pid[berth]}" VM.native_memory summary
            echo "largest mappings by Rss (pmap -x):"
            pmap -x "${pid[berth]}" | sort -k3 -n -r | head -25; } \
            >"$out/daemon-berth-jvm-${2##*/mem-}.txt" 2>&1 || true
    fi
}

berth_root=$work/berth-root
"$berth" --root "$berth_root" load -q -i "$archive" >/dev/null # before its start: offline, like a restore
berth_env=(env BERTH_CGROUP_PARENT="/$tag-berth")
[ -n "${BENCH_BERTH_JFR:-}" ] && berth_env+=(JAVA_TOOL_OPTIONS="-XX:StartFlightRecording=filename=$BENCH_BERTH_JFR,settings=profile ${BENCH_BERTH_JAVA_OPTS:-}")
[ -z "${BENCH_BERTH_JFR:-}" ] && [ -n "${BENCH_BERTH_JAVA_OPTS:-}" ] && berth_env+=(JAVA_TOOL_OPTIONS="$BENCH_BERTH_JAVA_OPTS")
[ -n "${BENCH_BERTH_DEBUG:-}" ] && berth_env+=(BERTH_DEBUG=1 BERTH_TRACE=1)
# shellcheck disable=SC2206 # NAME=VALUE words
[ -n "${BENCH_BERTH_ENV:-}" ] && berth_env+=($BENCH_BERTH_ENV)
start_daemon berth "${berth_env[@]}" "$berth" daemon -H "unix://$work/berth.sock" --root "$berth_root" ||
    { tail -5 "$work/berth.log" >&2; die "berth daemon did not start"; }
measure_idle berth "$work/mem-start-berth.json"

if [[ " $wanted " == *" dockerd "* ]]; then
    mkdir -p "$work/dockerd"
    # key.json: dockerd 20.10 writes its trust key to /etc/docker unless given another path
    printf '{"deprecated-key-path": "%s"}\n' "$work/dockerd/key.json" >"$work/dockerd/daemon.json"
    if start_daemon dockerd dockerd --config-file "$work/dockerd/daemon.json" \
        --data-root "$work/dockerd/data" --exec-root "$work/dockerd/exec" --pidfile "$work/dockerd/dockerd.pid" \
        -H "unix://$work/dockerd.sock" --cgroup-parent "/$tag-dockerd" \
        --bridge=none --iptables=false --ip6tables=false --ip-forward=false --ip-masq=false --userland-proxy=false; then
        measure_idle dockerd "$work/mem-start-dockerd.json"
    else
        skip "${label[dockerd]}" "dockerd start" "$work/dockerd.log"
    fi
fi

if [[ " $wanted " == *" podman "* ]]; then
    mkdir -p "$work/podman"
    # podman's default rlimits exceed the hard limits of a root without CAP_SYS_RESOURCE (crun's
    # setrlimit fails): the current ones, as run.sh passes them with --ulimit
    printf '[containers]\ndefault_ulimits = ["nofile=%s:%s", "nproc=1024:1024"]\n' "$(ulimit -Sn)" "$(ulimit -Hn)" \
        >"$work/podman/containers.conf"
    if start_daemon podman env CONTAINERS_CONF="$work/podman/containers.conf" \
        podman --root "$work/podman/root" --runroot "$work/podman/run" --tmpdir "$work/podman/tmp" \
        --storage-driver overlay --cgroup-manager cgroupfs --events-backend file \
        system service --time=0 "unix://$work/podman.sock"; then
        measure_idle podman "$work/mem-start-podman.json"
    else
        skip "${label[podman]}" "podman system service start" "$work/podman.log"
    fi
fi

# the image into dockerd and podman, and a trial run on every daemon
for d in "${daemons[@]}"; do
    if [ "$d" != berth ] && ! dk "$d" load -q -i "$archive" >"$work/load-$d.log" 2>&1; then
        skip "${label[$d]}" "docker load" "$work/load-$d.log"
        continue
    fi
    # shellcheck disable=SC2046 # cflags: plain words
    if ! dk "$d" run --rm $(cflags "$d") busybox true >"$work/trial-$d.log" 2>&1; then
        [ "$d" = berth ] && { cat "$work/trial-$d.log" >&2; die "docker run on berth daemon failed"; }
        skip "${label[$d]}" "docker run --rm busybox true" "$work/trial-$d.log"
    fi
done
ok=()
for d in "${daemons[@]}"; do
    [[ " ${skipped[*]} " == *" ${label[$d]} "* ]] || ok+=("$d")
done

# ---------------------------------------------------------------------------------------------
# The scenarios, one hyperfine run each; a row whose trial fails is skipped with its error

hf_timeout=${BENCH_TIMEOUT:-1800}
keep_logs() { # the daemons' logs into $out/daemon-logs/
    mkdir -p "$out/daemon-logs"
    cp "$work"/*.log "$out/daemon-logs/" 2>/dev/null || true
}
names=()
commands=()
row() { # scenario daemon args-after-docker...
    local scenario=$1 d=$2 cmd
    shift 2
    cmd=$(printf '%q ' "$docker" -H "unix://${sock[$d]}" "$@")
    if "$docker" -H "unix://${sock[$d]}" "$@" >"$work/check.log" 2>&1; then
        names+=("${label[$d]}")
        commands+=("$cmd")
        printf '%s\t%s\t%s\n' "$scenario" "${label[$d]}" "docker -H unix://\$WORK/$d.sock ${*}" >>"$out/daemon-rows.tsv"
    else
        skip "$scenario: ${label[$d]}" "$*" "$work/check.log"
    fi
}
run_hyperfine() { # scenario
    local hf=(hyperfine -N --warmup "$warmup" --runs "$runs"
        --export-markdown "$out/daemon-$1.md" --export-json "$out/daemon-$1.json") i
    for i in "${!names[@]}"; do
        hf+=(--command-name "${names[i]}" "${commands[i]}")
    done
    load_mark "before $1"
    log "hyperfine ($1): ${#names[@]} rows, $warmup warm-ups and $runs runs each; load $(cut -d' ' -f1-3 /proc/loadavg)"
    if ! timeout "$hf_timeout" "${hf[@]}" | tee "$out/daemon-$1.txt" >&2; then
        # a hung docker call: what every daemon's threads were doing, and their logs
        "$java_home/bin/jcmd" "${pid[berth]}" Thread.print >"$out/daemon-berth-threads.txt" 2>&1 || true
        keep_logs
        die "hyperfine ($1) failed or did not finish within $hf_timeout s: see $out/daemon-logs/ and daemon-berth-threads.txt"
    fi
    load_mark "after $1"
    names=()
    commands=()
}

# run --rm
for d in "${ok[@]}"; do
    # shellcheck disable=SC2046 # cflags: plain words
    row run "$d" run --rm $(cflags "$d") busybox true
done
run_hyperfine run

# exec into a running container
for d in "${ok[@]}"; do
    # shellcheck disable=SC2046 # cflags: plain words
    dk "$d" run -d --name dbench-exec $(cflags "$d") busybox sleep 3600 >"$work/exec-$d.log" 2>&1 ||
        { skip "exec: ${label[$d]}" "docker run -d" "$work/exec-$d.log"; continue; }
    row exec "$d" exec dbench-exec true
done
run_hyperfine exec
for d in "${ok[@]}"; do
    dk "$d" rm -f dbench-exec >/dev/null 2>&1 || true
done

# ps with N running containers per daemon (started 4 at a time, then removed in one docker rm -f)
now() { date +%s%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b - a) / 1e9 }'; }
starts=()
for d in "${ok[@]}"; do
    log "$d: starting $ps_n containers (docker run -d, 4 at a time)"
    t0=$(now)
    # shellcheck disable=SC2046 # cflags: plain words
    seq "$ps_n" | xargs -P 4 -I{} "$docker" -H "unix://${sock[$d]}" run -d $(cflags "$d") busybox sleep 3600 \
        >"$work/ps-$d.out" 2>"$work/ps-$d.err" || true
    t1=$(now)
    running=$(dk "$d" ps -q | wc -l)
    starts+=("{\"daemon\": \"$d\", \"wanted\": $ps_n, \"running\": $running, \"start_s\": $(secs "$t0" "$t1")")
    if [ "$running" -ne "$ps_n" ]; then
        skip "ps: ${label[$d]}" "starting $ps_n containers ($running running)" "$work/ps-$d.err"
        continue
    fi
    row ps "$d" ps
done
run_hyperfine ps
for i in "${!ok[@]}"; do
    d=${ok[i]}
    t0=$(now)
    dk "$d" ps -aq | xargs -r "$docker" -H "unix://${sock[$d]}" rm -f >/dev/null 2>"$work/rm-$d.err" || true
    t1=$(now)
    left=$(dk "$d" ps -aq | wc -l)
    [ -n "${starts[i]:-}" ] && starts[i]="${starts[i]}, \"remove_s\": $(secs "$t0" "$t1"), \"left\": $left}"
done
(IFS=,; echo "[${starts[*]}]") | python3 -m json.tool >"$out/daemon-starts.json"

# idle memory after the runs: no container left, 5 s to settle
sleep 3
for d in "${daemons[@]}"; do
    measure_idle "$d" "$work/mem-after-$d.json"
done
load_mark end

python3 - "$work" "$out/daemon-memory.json" "${daemons[@]}" <<'EOF'
import json, sys
work, path, names = sys.argv[1], sys.argv[2], sys.argv[3:]
def read(f):
    try:
        return json.load(open(f))
    except OSError:
        return None
json.dump({d: {"after_start": read(f"{work}/mem-start-{d}.json"), "after_runs": read(f"{work}/mem-after-{d}.json")}
           for d in names}, open(path, "w"), indent=2)
EOF

# ---------------------------------------------------------------------------------------------
# The machine, the table, docs/performance.md

{
    printf 'command: '
    for v in $(compgen -v BENCH_ | sort); do printf '%s=%q ' "$v" "${!v}"; done
    echo "bench/daemon.sh"
    machine_lines "$java"
    # bin/berth gives the daemon -Xshare:off (docs/daemon.md): the CLI's cache is not its
    if sed -n '/"\$cmd" = daemon/,/^else/p' "$berth" | grep -q -- '-Xshare:off'; then
        echo "berth AOT cache: none for the daemon (-Xshare:off, bin/berth)"
    else
        echo "berth AOT cache: $(aot_state "$java")"
    fi
    echo "berth: $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$repo" diff --quiet HEAD 2>/dev/null || echo ' (with uncommitted changes)')"
    echo "docker CLI: $("$docker" version --format '{{.Client.Version}}' 2>/dev/null)"
    for d in "${daemons[@]}"; do
        echo "daemon $d: $(dk "$d" version --format '{{.Server.Version}} (API {{.Client.APIVersion}} negotiated)' 2>/dev/null); ready after ${ready_s[$d]} s"
    done
    for tool in hyperfine runc crun conmon containerd; do
        command -v "$tool" >/dev/null 2>&1 && echo "$tool: $("$tool" --version 2>&1 | head -1)"
    done
    [ -n "$hide_unified" ] && echo "note: the daemons ran in mount namespaces without /sys/fs/cgroup/unified (crun vs hybrid cgroups)"
    echo "runs: $runs, warm-ups: $warmup, ps containers: $ps_n"
    [ ${#skipped[@]} -gt 0 ] && echo "skipped: ${skipped[*]}"
} >"$out/daemon-machine.txt"

# the berth daemon's stderr: with BENCH_BERTH_DEBUG, every request with its times
if [ -n "${BENCH_BERTH_DEBUG:-}" ]; then cp "$work/berth.log" "$out/daemon-berth-trace.log"; fi

summary=(python3 "$repo/bench/src/daemon_summary.py" "$out")
[ "$docs" = 1 ] && summary+=("$repo/docs/performance.md")
"${summary[@]}" >"$out/daemon.md"
cat "$out/daemon.md"
log "results in $out"
