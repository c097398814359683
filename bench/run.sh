#!/usr/bin/env bash
# bench/run.sh: berth side by side with its peers, each scenario in ONE hyperfine run so that the
# ratios hold on a noisy machine. Sections (BENCH_ONLY picks a subset):
#   start     start-to-exit of /bin/true: berth, JVM floor, unshare, bwrap, crun, runc, podman;
#             then the warm library path (bench/src/WarmStart.java)
#   exec      exec of `true` into a running container: berth, nsenter (floor), runc, crun, podman
#   scale     berth ps / inspect / run --rm and the Pss of monitors and containers at N running
#             containers (BENCH_SCALE), with lsns as a reference
#   parallel  BENCH_PARALLEL detached containers started at once (xargs -P 8), then removed
#   memory    the memory per running container (berth's monitor, podman's conmon) and at idle
#   oci       berth-runtime beside runc and crun on one bundle: `run` of /bin/true, and the
#             create, start, state, delete sequence containerd's shim runs (one process each)
#   net       a bridge network's cost: `berth run --rm --network bridge` vs `--network none`, cold
#             (hyperfine) and warm (bench/src/WarmNet.java); iperf3 TCP throughput container to
#             container and to a published port, beside the same topology built by hand (ip, nft).
#             All of it in a network namespace of its own (berth-bench-PID), deleted at exit
# summary.md, start.svg and scaling.svg are written from what this run measured. See bench/README.md.
#
#   bench/run.sh                 # as root; results in bench/results/ (or $BENCH_OUT)
#   BENCH_ONLY=exec BENCH_RUNS=5 BENCH_NO_PODMAN=1 bench/run.sh
#
# Knobs (environment): BENCH_OUT, BENCH_ONLY (all sections), BENCH_RUNS (30), BENCH_WARMUP (3),
# BENCH_WARM_RUNS (200), BENCH_WARM_WARMUPS (20), BENCH_SCALE ("0 10 100 1000"),
# BENCH_SCALE_RUNS (10), BENCH_SCALE_WARMUP (2), BENCH_PARALLEL (100), BENCH_NO_INSTALL=1 (never
# apt-get), BENCH_NO_PODMAN=1, BENCH_NET_WARM_RUNS (100), BENCH_NET_SECONDS (5), BENCH_NET_REPEAT (3).
#
# Everything it creates lives under one temp dir that a trap removes; it never touches the host's
# network (every container outside the net section is started with --network none, berth's and
# podman's alike: its own empty network namespace, whatever the default network; the net section
# makes a network namespace of its own for all it does and deletes it), kills nothing by name,
# and removes every container it started.
set -euo pipefail

repo=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
out=${BENCH_OUT:-$repo/bench/results}
runs=${BENCH_RUNS:-30}
warmup=${BENCH_WARMUP:-3}
warm_runs=${BENCH_WARM_RUNS:-200}
warm_warmups=${BENCH_WARM_WARMUPS:-20}
scale_points=${BENCH_SCALE:-0 10 100 1000}
scale_runs=${BENCH_SCALE_RUNS:-10}
scale_warmup=${BENCH_SCALE_WARMUP:-2}
par_count=${BENCH_PARALLEL:-100}
net_warm_runs=${BENCH_NET_WARM_RUNS:-100}
net_seconds=${BENCH_NET_SECONDS:-5}
net_repeat=${BENCH_NET_REPEAT:-3}
sections="start exec scale parallel memory oci net"
only=${BENCH_ONLY:-$sections}
berth=$repo/bin/berth
dist=$repo/cli/target/berth/lib

# log, die, apt_install, have, need_static_busybox, freeze_berth, aot_state, hybrid_cgroups, proc_mem
. "$repo/bench/lib.sh"

[ "$(id -u)" -eq 0 ] || die "run me as root: containers need it"
for s in $only; do
    case " $sections " in *" $s "*) ;; *) die "BENCH_ONLY: unknown section '$s' (known: $sections)" ;; esac
done
for n in $scale_points; do
    case $n in '' | *[!0-9]*) die "BENCH_SCALE: '$n' is not a number" ;; esac
done
# ascending: the scaling section only ever adds containers
# shellcheck disable=SC2086 # a list of numbers
scale_points=$(printf '%s\n' $scale_points | sort -n -u | tr '\n' ' ')
case $par_count in '' | *[!0-9]*) die "BENCH_PARALLEL: '$par_count' is not a number" ;; esac
for v in "$net_warm_runs" "$net_seconds" "$net_repeat"; do
    case $v in '' | *[!0-9]*) die "BENCH_NET_*: '$v' is not a number" ;; esac
done
want() { case " $only " in *" $1 "*) return 0 ;; esac; return 1; } # section: is it to run?

work=$(mktemp -d /tmp/berth-bench.XXXXXX)
state=$work/state              # berth --root of the cold CLI, exec and the monitor measurement
warm_state=$work/warm-state    # Engine.open() root of the warm library path
scale_state=$work/scale-state  # berth --root of the scaling section (its N containers only)
par_state=$work/par-state      # berth --root of the parallel start
net_state=$work/net-state      # berth --root of the net section (cold CLI and iperf3 containers)
net_warm_state=$work/net-warm  # Engine.open() root of the net section's warm path
net_ns=""                      # /run/netns/berth-bench-PID while the net section has it
net_pids=()                    # the net section's iperf3 servers and namespace holders, by pid
rootfs=$work/rootfs
bundle=$work/bundle            # OCI bundle running /bin/true (start rows)
bundle_sleep=$work/bundle-sleep # OCI bundle running /bin/sleep 3600 (exec, parallel)
podman=()                      # podman plus its global flags, when podman is installed and wanted

# what the runtimes make outside $work on first use (runtime state dirs, podman's parent
# cgroups): the ones missing now are removed again at exit, if empty
outside=()
for p in /run/crun /run/runc; do
    [ -e "$p" ] || outside+=("$p")
done
for d in /sys/fs/cgroup/*/; do
    [ -e "${d}libpod_parent" ] || outside+=("${d}libpod_parent")
done
# berth's containers go under a cgroup parent of this run, removed at exit with the rest: the
# default one (/berth) would stay behind on the host, empty, after every run
export BERTH_CGROUP_PARENT=${BERTH_CGROUP_PARENT:-/berth-bench-$$}
for d in /sys/fs/cgroup/*/; do
    [ -e "${d}${BERTH_CGROUP_PARENT#/}" ] || outside+=("${d}${BERTH_CGROUP_PARENT#/}")
done

cleanup() {
    set +e
    net_cleanup
    # containers an interrupted run may have left behind, each by the tool that made it, four at
    # a time (the scaling section may leave a thousand)
    for root in "$state" "$warm_state" "$scale_state" "$par_state"; do
        [ -d "$root" ] || continue
        "$berth" --root "$root" ps -aq 2>/dev/null |
            xargs -r -P 4 -n 1 "$berth" --root "$root" rm -f >/dev/null 2>&1
    done
    for rt in runc crun; do
        [ -d "$work/$rt" ] && command -v "$rt" >/dev/null 2>&1 || continue
        "$rt" --root "$work/$rt" list -q 2>/dev/null |
            xargs -r -P 4 -n 1 "$rt" --root "$work/$rt" delete -f >/dev/null 2>&1
    done
    # -t 0: /bin/sleep as PID 1 ignores SIGTERM, so podman would wait 10 s per container
    [ ${#podman[@]} -gt 0 ] && "${podman[@]}" rm -af -t 0 >/dev/null 2>&1
    for p in "${outside[@]}"; do
        [ -d "$p" ] && find "$p" -depth -type d -exec rmdir {} \; 2>/dev/null
    done
    # never rm -rf through a mount point: unmount what is left under $work, then check again
    awk -v w="$work/" 'index($5, w) == 1 { print $5 }' /proc/self/mountinfo | sort -r |
        while read -r m; do umount -l "$m"; done
    if awk -v w="$work/" 'index($5, w) == 1 { found = 1 } END { exit !found }' /proc/self/mountinfo; then
        log "mounts remain under $work; leaving it in place"
    else
        rm -rf --one-file-system "$work"
    fi
}
# the net section's namespace and what lives in it: its berth containers are removed from inside
# it (their published ports are in its firewall), then its processes by pid, then the namespace
net_cleanup() {
    [ -n "$net_ns" ] || return 0
    local root pid
    for root in "$net_state" "$net_warm_state"; do
        [ -d "$root" ] || continue
        nsenter --net="$net_ns" "$berth" --root "$root" ps -aq 2>/dev/null |
            xargs -r -n 1 nsenter --net="$net_ns" "$berth" --root "$root" rm -f >/dev/null 2>&1
    done
    for pid in "${net_pids[@]}"; do
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null || true # our children, reaped here (wait reports the kill)
    done
    net_pids=()
    ip netns delete "${net_ns##*/}" 2>/dev/null || log "could not delete network namespace ${net_ns##*/}"
    net_ns=""
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------------------------------------
# Peers: install what is missing from Debian, one package at a time, so one failure skips one peer

have hyperfine hyperfine || die "hyperfine is required"
have python3 python3-minimal || die "python3 is required (OCI config, summary)"
have unshare util-linux || true
have bwrap bubblewrap || true
have runc runc || true
have crun crun || true
if [ -z "${BENCH_NO_PODMAN:-}" ]; then
    have podman podman 300 || true
fi
if want net; then
    have iperf3 iperf3 || true
    have ip iproute2 || true
    have nft nftables || true
fi
need_static_busybox

# ---------------------------------------------------------------------------------------------
# berth and its JDK, exactly as bin/berth finds them

. "$repo/bin/lib/java.sh"
java_home=$(berth_find_jdk) || die "no JDK >= 25 found (see bin/lib/java.sh)"
java=$java_home/bin/java
"$berth" version >/dev/null || die "berth does not build right now; retry later (BERTH_REBUILD=1 bin/berth version)"

"$berth" version >/dev/null || die "berth does not build right now; retry later (BERTH_REBUILD=1 bin/berth version)"
freeze_berth # berth, dist: a frozen copy of bin/berth and cli/target/berth (bench/lib.sh)

# ---------------------------------------------------------------------------------------------
# The one root filesystem every row runs /bin/true from: busybox and its applets, offline

log "building the busybox rootfs in $rootfs"
mkdir -p "$rootfs/bin" "$rootfs/dev" "$rootfs/proc" "$rootfs/sys" "$rootfs/tmp" "$rootfs/etc" "$rootfs/root"
cp /bin/busybox "$rootfs/bin/busybox"
for applet in $(/bin/busybox --list); do
    [ -e "$rootfs/bin/$applet" ] || ln -s busybox "$rootfs/bin/$applet"
done

# the OCI bundles for runc and crun: the default spec, pointed at the rootfs, running /bin/true
# (start) or /bin/sleep 3600 (exec, parallel); no terminal, so `run -d` needs no console socket
oci_bundle() { # dir process-args-as-json
    mkdir -p "$1"
    if command -v runc >/dev/null 2>&1; then (cd "$1" && runc spec); else (cd "$1" && crun spec); fi
    python3 - "$1/config.json" "$rootfs" "$2" <<'EOF'
import json, sys
path, rootfs, args = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
with open(path) as f:
    config = json.load(f)
config["root"] = {"path": rootfs, "readonly": False}
config["process"]["args"] = args
config["process"]["terminal"] = False
with open(path, "w") as f:
    json.dump(config, f, indent=2)
EOF
}
if command -v runc >/dev/null 2>&1 || command -v crun >/dev/null 2>&1; then
    mkdir -p "$work/runc" "$work/crun"
    oci_bundle "$bundle" '["/bin/true"]'
    oci_bundle "$bundle_sleep" '["/bin/sleep", "3600"]'
fi

# one-line wrappers giving each OCI runtime a fresh container id per run ($$ of the wrapper);
# the seq wrappers run the calls containerd's shim makes for one task, each a process of its own
mkdir -p "$work/bin" "$work/berth-runtime" "$work/xdg"
chmod 700 "$work/xdg"
for rt in runc crun berth-runtime; do
    exe=$rt
    # a server socket of this run's own: another one's server (another namespace) would decline
    [ "$rt" = berth-runtime ] && exe="env XDG_RUNTIME_DIR=$work/xdg $(dirname "$berth")/berth-runtime"
    printf '#!/bin/sh\nexec %s --root %s run --bundle %s bench-%s-$$\n' \
        "$exe" "$work/$rt" "$bundle" "$rt" >"$work/bin/$rt-run"
    printf '#!/bin/sh\nset -e\nr="%s --root %s"\nid=seq-$$\n$r create --bundle %s $id\n$r start $id\n$r state $id >/dev/null\n$r delete -f $id\n' \
        "$exe" "$work/$rt" "$bundle" >"$work/bin/$rt-seq"
done
# berth-runtime without its warm server: a JVM per call, what the issue's "1.5x of the JVM floor" is about
for w in run seq; do
    sed 's|^exec |exec env BERTH_RUNTIME_SERVER=off |; s|^r="|r="env BERTH_RUNTIME_SERVER=off |' \
        "$work/bin/berth-runtime-$w" >"$work/bin/berth-runtime-jvm-$w"
done
# the cost of such a wrapper alone: sh starting and exec'ing /bin/true
printf '#!/bin/sh\nexec /bin/true\n' >"$work/bin/wrapper-floor"
chmod +x "$work/bin/"*

# the JVM floor: hello world with the JDK and the JVM flags of bin/berth's exec line (start
# section only: it costs a compile and an AOT training run)
jvm_flags=()
jvm_floor() {
    mkdir -p "$work/hello"
    printf '%s\n' 'public class Hello {' \
        '    public static void main(String[] args) {' \
        '        System.out.println("hello");' \
        '    }' '}' >"$work/hello/Hello.java"
    "$java_home/bin/javac" -d "$work/hello/classes" "$work/hello/Hello.java"
    # a jar, like berth's class path (an AOT cache also refuses directories on the class path)
    "$java_home/bin/jar" --create --file "$work/hello/hello.jar" -C "$work/hello/classes" .
    read -r -a jvm_flags <<<"$(launcher_jvm_flags "$berth")"
    [ ${#jvm_flags[@]} -gt 0 ] ||
        jvm_flags=(-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:-UsePerfData -Xshare:auto --enable-native-access=ALL-UNNAMED)
    # bin/berth adds -XX:AOTCache when bin/build made one; an AOT cache is per class path, so the
    # floor gets its own (JDK 25 one-step training run) rather than a mismatched berth.aot
    if [ -f "$dist/../berth.aot" ]; then
        if "$java" -XX:AOTCacheOutput="$work/hello/hello.aot" "${jvm_flags[@]}" -cp "$work/hello/hello.jar" Hello \
            >"$work/hello/aot.log" 2>&1 && [ -f "$work/hello/hello.aot" ]; then
            jvm_flags+=(-XX:AOTCache="$work/hello/hello.aot")
        else
            log "could not make an AOT cache for the JVM floor: it runs without one"
            tail -3 "$work/hello/aot.log" | sed 's/^/    /' >&2
        fi
    fi
    log "JVM floor flags: ${jvm_flags[*]}"
}
if want start || want oci; then jvm_floor; fi

# crun refuses cgroup "hybrid" mode when controllers sit on the v2 hierarchy
# (/sys/fs/cgroup/unified); podman runs crun too. The rows then run in a private mount
# namespace without that mount: crun and runc both see plain cgroup v1, the host is untouched.
ns=()
if hybrid_cgroups; then
    log "cgroup hybrid mode with v2 controllers: the benchmark runs without /sys/fs/cgroup/unified (private mount namespace)"
    ns=(unshare --mount --propagation private sh -c 'umount /sys/fs/cgroup/unified && exec "$@"' sh)
    if ! "${ns[@]}" true 2>/dev/null; then
        log "cannot hide /sys/fs/cgroup/unified: running as is (crun and podman may be skipped)"
        ns=()
    fi
fi

# podman, with private storage and state under $work: every section that has a podman row uses it
if [ -z "${BENCH_NO_PODMAN:-}" ] && command -v podman >/dev/null 2>&1; then
    mkdir -p "$work/podman"
    podman=(podman --root "$work/podman/root" --runroot "$work/podman/run" --tmpdir "$work/podman/tmp"
        --storage-driver vfs --cgroup-manager cgroupfs --events-backend file)
fi
# explicit rlimits: podman's defaults exceed the hard limits of a root without CAP_SYS_RESOURCE
podman_run_flags=(--network none --ulimit "nofile=$(ulimit -Sn):$(ulimit -Hn)" --ulimit nproc=1024:1024)

mkdir -p "$out"
# this run's outputs only: a section left out by BENCH_ONLY must not show an older run's numbers
rm -f "$out"/{hyperfine,warm,exec,oci,scale-*,parallel,monitor,memory,net-start,net-warm,net-iperf}.{md,json,txt} \
    "$out"/{summary.md,machine.txt,skipped.tsv,rows.tsv,start.svg,scaling.svg,scaling.json}
: >"$out/skipped.tsv"
: >"$out/rows.tsv"

# ---------------------------------------------------------------------------------------------
# Rows: each command is tried once; a peer that fails is skipped with its error shown (on stderr
# and in skipped.tsv, for the summary). run_hyperfine then times every row of a section together.

names=()
commands=()
skipped=()
section=""
row() { # name command...
    local name=$1
    shift
    # the check runs in a mount namespace of its own: a berth-runtime server it started there
    # would decline the calls from hyperfine's namespace (it serves its own namespaces only)
    if BERTH_RUNTIME_SERVER=off "${ns[@]}" "$@" >"$work/check.log" 2>&1; then
        names+=("$name")
        commands+=("$(printf '%q ' "$@")")
        printf '%s\t%s\t%s\n' "$section" "$name" "${commands[-1]}" >>"$out/rows.tsv"
    else
        skip "$name" "$*" "$work/check.log"
    fi
}
skip() { # name what-failed log-file: report a row that cannot run
    log "skipping '$1': $2 failed:"
    tail -5 "$3" | sed 's/^/    /' >&2
    skipped+=("$1")
    printf '%s\t%s\t%s\n' "$section" "$1" "$(last_line "$3")" >>"$out/skipped.tsv"
}
last_line() { # file: its last non-blank line, tabs made spaces (for the .tsv files); may be empty
    { grep -v '^[[:space:]]*$' "$1" || true; } | tail -1 | tr '\t' ' '
}
run_hyperfine() { # output-basename runs warmup: all rows so far in one hyperfine run, then reset
    local hf=(hyperfine -N --warmup "$3" --runs "$2"
        --export-markdown "$out/$1.md" --export-json "$out/$1.json")
    local i
    for i in "${!names[@]}"; do
        hf+=(--command-name "${names[i]}" "${commands[i]}")
    done
    log "hyperfine ($1): ${#names[@]} rows, $3 warm-ups and $2 runs each"
    "${ns[@]}" "${hf[@]}" | tee "$out/$1.txt" >&2
    names=()
    commands=()
}
# starts a detached container in ${ns[@]}; stdout to FILE.out, stderr to FILE.err. Never a pipe:
# runc and crun hand their stdio to the container, and a $(...) would wait for /bin/sleep 3600.
detach() { # file command...
    local file=$1
    shift
    "${ns[@]}" "$@" </dev/null >"$file.out" 2>"$file.err"
}
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; } # from to
pid_of_berth() { # root container: the container's pid (inspect templates; the JSON if unsupported)
    local pid
    pid=$("$berth" --root "$1" inspect -f '{{.State.Pid}}' "$2" 2>/dev/null || true)
    case $pid in
        '' | *[!0-9]*) pid=$("$berth" --root "$1" inspect "$2" |
            python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["State"]["Pid"])') ;;
    esac
    echo "$pid"
}
monitor_of_berth() { # root container: the pid of its monitor
    local pid
    pid=$("$berth" --root "$1" inspect -f '{{.State.MonitorPid}}' "$2" 2>/dev/null || true)
    case $pid in
        '' | *[!0-9]*) pid=$("$berth" --root "$1" inspect "$2" |
            python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["State"]["MonitorPid"])') ;;
    esac
    echo "$pid"
}
wait_gone() { # pid...: up to 5 s for processes to exit (a removed container's monitor lingers briefly)
    local pid
    for pid in "$@"; do
        for _ in $(seq 50); do [ -e "/proc/$pid" ] || break; sleep 0.1; done
    done
}

# ---------------------------------------------------------------------------------------------
# start: start-to-exit, every row in one hyperfine run; then the warm library path

section_start() {
    section=start
    # --network none, said: runc, crun, unshare and bwrap make no network, podman gets none too
    # (podman_run_flags), whatever berth's default network is
    row "berth run --rm (cold CLI)" "$berth" --root "$state" run --rm --network none --rootfs "$rootfs" /bin/true
    row "berth version (CLI start, no container)" "$berth" version
    row "JVM floor (hello world)" "$java" "${jvm_flags[@]}" -cp "$work/hello/hello.jar" Hello
    command -v unshare >/dev/null 2>&1 &&
        row "unshare (kernel floor)" unshare --fork --pid --mount-proc --mount --uts --ipc --net /bin/true
    command -v bwrap >/dev/null 2>&1 &&
        row "bwrap --unshare-all" bwrap --unshare-all --ro-bind "$rootfs" / --proc /proc --dev /dev /bin/true
    command -v crun >/dev/null 2>&1 && row "crun run" "$work/bin/crun-run"
    command -v runc >/dev/null 2>&1 && row "runc run" "$work/bin/runc-run"
    if command -v crun >/dev/null 2>&1 || command -v runc >/dev/null 2>&1; then
        row "sh wrapper alone (in crun/runc rows)" "$work/bin/wrapper-floor"
    fi
    [ ${#podman[@]} -gt 0 ] &&
        row "podman run --rm" "${podman[@]}" run --rm "${podman_run_flags[@]}" --rootfs "$rootfs" /bin/true
    run_hyperfine hyperfine "$runs" "$warmup"

    log "warm library path: $warm_runs runs after $warm_warmups warm-ups"
    "$java" --enable-native-access=ALL-UNNAMED --class-path "$dist/*" "$repo/bench/src/WarmStart.java" \
        "$warm_state" "$rootfs" "$warm_runs" "$warm_warmups" "$out/warm.json" | tee "$out/warm.txt" >&2
}

# ---------------------------------------------------------------------------------------------
# exec: `true` into an already running container, every engine in one hyperfine run. nsenter
# into the same berth container is the floor: setns(2) into all its namespaces, then exec.

exec_ids=() # "tool id" of every container this section started, for removal
section_exec() {
    section="exec"
    local id pid rt
    if detach "$work/exec-berth" "$berth" --root "$state" run -d --network none --rootfs "$rootfs" /bin/sleep 3600; then
        id=$(tail -1 "$work/exec-berth.out")
        exec_ids+=("berth $id")
        row "berth exec" "$berth" --root "$state" exec "$id" true
        pid=$(pid_of_berth "$state" "$id")
        row "nsenter -a (kernel floor)" nsenter -t "$pid" -a true
    else
        skip "berth exec" "berth run -d" "$work/exec-berth.err"
    fi
    for rt in runc crun; do
        command -v "$rt" >/dev/null 2>&1 || continue
        id=bench-exec-$rt
        if detach "$work/exec-$rt" "$rt" --root "$work/$rt" run -d --bundle "$bundle_sleep" "$id"; then
            exec_ids+=("$rt $id")
            row "$rt exec" "$rt" --root "$work/$rt" exec "$id" /bin/true
        else
            skip "$rt exec" "$rt run -d" "$work/exec-$rt.err"
        fi
    done
    if [ ${#podman[@]} -gt 0 ]; then
        if detach "$work/exec-podman" "${podman[@]}" run -d "${podman_run_flags[@]}" --rootfs "$rootfs" /bin/sleep 3600; then
            id=$(tail -1 "$work/exec-podman.out")
            exec_ids+=("podman $id")
            row "podman exec" "${podman[@]}" exec "$id" /bin/true
        else
            skip "podman exec" "podman run -d" "$work/exec-podman.err"
        fi
    fi
    [ ${#names[@]} -gt 0 ] && run_hyperfine exec "$runs" "$warmup"
    remove_exec_containers
}
remove_exec_containers() {
    local entry tool id
    for entry in "${exec_ids[@]}"; do
        read -r tool id <<<"$entry"
        case $tool in
            berth) "$berth" --root "$state" rm -f "$id" ;;
            runc | crun) "${ns[@]}" "$tool" --root "$work/$tool" delete -f "$id" ;;
            podman) "${ns[@]}" "${podman[@]}" rm -f -t 0 "$id" ;;
        esac >/dev/null 2>&1 || log "could not remove the $tool container $id (the exit trap retries)"
    done
    exec_ids=()
}

# ---------------------------------------------------------------------------------------------
# scale: berth's own commands, and its memory, as the number of running containers grows.
# berth keeps no daemon and no index: ps and inspect read the state directory, so their cost is
# expected to grow with N; this section shows by how much.

scale_running() { "$berth" --root "$scale_state" ps -q 2>/dev/null | wc -l; }

scale_add() { # from to: start containers bench-s-FROM..TO, four at a time
    [ "$2" -ge "$1" ] || return 0
    log "scale: starting containers $1..$2"
    seq "$1" "$2" | "${ns[@]}" xargs -P 4 -I{} \
        "$berth" --root "$scale_state" run -d --network none --name bench-s-{} --rootfs "$rootfs" /bin/sleep 3600 \
        >>"$work/scale-run.out" 2>>"$work/scale-run.err" ||
        log "scale: some starts failed: $(tail -1 "$work/scale-run.err")"
}

section_scale() {
    section=scale
    local n have=0 running ns_ls=0 t0 t1
    # `berth ns ls` (issue 5) is timed when this berth has it
    "$berth" --root "$scale_state" ns ls >/dev/null 2>&1 && ns_ls=1
    for n in $scale_points; do
        scale_add $((have + 1)) "$n"
        have=$n
        running=$(scale_running)
        [ "$running" -eq "$n" ] || log "scale: $running containers running, $n wanted"
        row "berth ps -a" "$berth" --root "$scale_state" ps -a
        [ "$n" -gt 0 ] && row "berth inspect NAME" "$berth" --root "$scale_state" inspect bench-s-1
        row "berth run --rm" "$berth" --root "$scale_state" run --rm --network none --rootfs "$rootfs" /bin/true
        command -v lsns >/dev/null 2>&1 && row "lsns (reference)" lsns
        [ "$ns_ls" -eq 1 ] && row "berth ns ls" "$berth" --root "$scale_state" ns ls
        run_hyperfine "scale-$n" "$scale_runs" "$scale_warmup"
        # Pss of every monitor and container process, read from the state files (no JVM per container)
        python3 "$repo/bench/src/pss.py" "$scale_state" "$n" "$running" >"$work/scale-mem-$n.json"
        log "scale: N=$n: $(python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); d.pop("pids", None); print(json.dumps(d))' "$work/scale-mem-$n.json")"
    done

    # remove them all, four at a time, and check that nothing is left: no container, no process
    local pids
    pids=$(python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(" ".join(map(str, d["pids"])))' \
        "$work/scale-mem-$have.json")
    "$berth" --root "$scale_state" ps -aq >"$work/scale.ids"
    log "scale: removing $(wc -l <"$work/scale.ids") containers"
    t0=$(now)
    "${ns[@]}" xargs -r -P 4 -n 1 "$berth" --root "$scale_state" rm -f <"$work/scale.ids" >/dev/null 2>"$work/scale-rm.err" ||
        log "scale: some removals failed: $(tail -1 "$work/scale-rm.err")"
    t1=$(now)
    # shellcheck disable=SC2086 # a list of pids
    wait_gone $pids
    local left_containers left_pids=0 pid
    left_containers=$("$berth" --root "$scale_state" ps -aq | wc -l)
    for pid in $pids; do [ -e "/proc/$pid" ] && left_pids=$((left_pids + 1)); done
    [ "$left_containers" -eq 0 ] && [ "$left_pids" -eq 0 ] ||
        log "scale: LEFT OVER after rm -f: $left_containers containers, $left_pids processes"

    # shellcheck disable=SC2086 # a list of numbers
    python3 - "$out" "$work" "$ns_ls" "$t0" "$t1" "$(wc -l <"$work/scale.ids")" "$left_containers" "$left_pids" \
        "$scale_runs" "$scale_warmup" $scale_points <<'EOF'
import json, sys
out, work, ns_ls, t0, t1, removed, left_c, left_p, runs, warmup, *points = sys.argv[1:]
stat = lambda r: {k: r[k] * 1000 for k in ("min", "median", "max", "mean", "stddev")}
result = {"runs": int(runs), "warmup": int(warmup), "points": [],
          "berth_ns_ls": "timed" if ns_ls == "1" else "not implemented yet (issue 5)",
          "removal": {"containers": int(removed), "seconds": float(t1) - float(t0),
                      "left_containers": int(left_c), "left_processes": int(left_p)}}
for n in points:
    rows = json.load(open(f"{out}/scale-{n}.json"))["results"]
    mem = json.load(open(f"{work}/scale-mem-{n}.json"))
    mem.pop("pids", None)
    result["points"].append({"n": int(n), "ms": {r["command"]: stat(r) for r in rows}, "memory": mem})
json.dump(result, open(f"{out}/scaling.json", "w"), indent=2)
EOF
}

# ---------------------------------------------------------------------------------------------
# parallel: BENCH_PARALLEL detached containers started at once, eight at a time, per engine;
# wall time from the first start to the last start's return, then the same for removal

par_record() { # engine phase wanted done seconds error
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$work/parallel.tsv"
}
# par_engine engine count-cmd ids-cmd start-cmd... : start-cmd gets {} replaced by 1..N
par_engine() {
    local engine=$1 count_cmd=$2 ids_cmd=$3
    shift 3
    local t0 t1 started removed err
    log "parallel: $engine, $par_count containers, xargs -P 8"
    t0=$(now)
    # (xargs gives each command /dev/null as stdin; its stdout is a file, never a pipe)
    seq "$par_count" | "${ns[@]}" xargs -P 8 -I{} "$@" >"$work/par-$engine.out" 2>"$work/par-$engine.err" || true
    t1=$(now)
    started=$($count_cmd)
    err=$(last_line "$work/par-$engine.err")
    par_record "$engine" start "$par_count" "$started" "$(secs "$t0" "$t1")" "$err"
    [ "$started" -eq "$par_count" ] || log "parallel: $engine started $started of $par_count: $err"
    $ids_cmd >"$work/par-$engine.ids"
    t0=$(now)
    par_rm_"$engine" <"$work/par-$engine.ids" >/dev/null 2>"$work/par-$engine-rm.err" || true
    t1=$(now)
    removed=$(($(wc -l <"$work/par-$engine.ids") - $($count_cmd)))
    err=$(last_line "$work/par-$engine-rm.err")
    par_record "$engine" remove "$(wc -l <"$work/par-$engine.ids")" "$removed" "$(secs "$t0" "$t1")" "$err"
}
par_count_berth() { "$berth" --root "$par_state" ps -aq | wc -l; }
par_ids_berth() { "$berth" --root "$par_state" ps -aq; }
par_rm_berth() { "${ns[@]}" xargs -r -P 8 -n 1 "$berth" --root "$par_state" rm -f; }
par_count_crun() { crun --root "$work/crun" list -q | wc -l; }
par_ids_crun() { crun --root "$work/crun" list -q; }
par_rm_crun() { "${ns[@]}" xargs -r -P 8 -n 1 crun --root "$work/crun" delete -f; }
par_count_runc() { runc --root "$work/runc" list -q | wc -l; }
par_ids_runc() { runc --root "$work/runc" list -q; }
par_rm_runc() { "${ns[@]}" xargs -r -P 8 -n 1 runc --root "$work/runc" delete -f; }
par_count_podman() { "${podman[@]}" ps -aq | wc -l; }
par_ids_podman() { "${podman[@]}" ps -aq; }
par_rm_podman() { "${ns[@]}" xargs -r -P 8 -n 1 "${podman[@]}" rm -f -t 0; }

section_parallel() {
    section=parallel
    : >"$work/parallel.tsv"
    par_engine berth par_count_berth par_ids_berth \
        "$berth" --root "$par_state" run -d --network none --rootfs "$rootfs" /bin/sleep 3600
    # runc and crun get distinct ids; their containers start from the /bin/sleep bundle
    local rt
    for rt in crun runc; do
        command -v "$rt" >/dev/null 2>&1 || continue
        par_engine "$rt" "par_count_$rt" "par_ids_$rt" \
            "$rt" --root "$work/$rt" run -d --bundle "$bundle_sleep" "bench-par-$rt-{}"
    done
    [ ${#podman[@]} -gt 0 ] && par_engine podman par_count_podman par_ids_podman \
        "${podman[@]}" run -d "${podman_run_flags[@]}" --rootfs "$rootfs" /bin/sleep 3600
    python3 - "$work/parallel.tsv" "$out/parallel.json" "$par_count" <<'EOF'
import json, sys
tsv, dest, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
engines = {}
for line in open(tsv):
    engine, phase, wanted, done, seconds, error = line.rstrip("\n").split("\t")
    engines.setdefault(engine, {})[phase] = {
        "wanted": int(wanted), "done": int(done), "seconds": float(seconds),
        "per_second": int(done) / float(seconds) if float(seconds) > 0 else None, "last_error": error}
json.dump({"count": count, "parallelism": 8, "engines": engines}, open(dest, "w"), indent=2)
EOF
}

# ---------------------------------------------------------------------------------------------
# memory: what one running container costs besides its own processes (berth's monitor, podman's
# conmon; runc and crun leave nothing behind), and what each engine costs at idle

section_memory() {
    section=memory
    local id monitor conmon pid podman_json='null'
    log "monitor memory: a detached /bin/sleep 30"
    detach "$work/mem-berth" "$berth" --root "$state" run -d --network none --rootfs "$rootfs" /bin/sleep 30 ||
        die "berth run -d failed: $(tail -1 "$work/mem-berth.err")"
    id=$(tail -1 "$work/mem-berth.out")
    monitor=$(monitor_of_berth "$state" "$id")
    sleep 1 # let the monitor settle into its steady state
    [ -r "/proc/$monitor/smaps_rollup" ] || die "monitor pid $monitor is not running"
    proc_mem "$monitor" >"$out/monitor.json"
    log "berth monitor: $(cat "$out/monitor.json")"
    "$berth" --root "$state" rm -f "$id" >/dev/null
    wait_gone "$monitor"

    # podman: conmon is the parent of the container's process
    if [ ${#podman[@]} -gt 0 ]; then
        if detach "$work/mem-podman" "${podman[@]}" run -d "${podman_run_flags[@]}" --rootfs "$rootfs" /bin/sleep 3600; then
            id=$(tail -1 "$work/mem-podman.out")
            pid=$("${podman[@]}" inspect -f '{{.State.Pid}}' "$id")
            conmon=$(ps -o ppid= -p "$pid" | tr -d ' ')
            sleep 1
            if [ "$(cat "/proc/$conmon/comm" 2>/dev/null)" = conmon ]; then
                podman_json=$(proc_mem "$conmon")
                log "podman conmon: $podman_json"
            else
                echo "the parent of container pid $pid is $(cat "/proc/$conmon/comm" 2>/dev/null), not conmon" >"$work/mem-podman.err"
                skip "podman conmon" "finding conmon" "$work/mem-podman.err"
            fi
            "${ns[@]}" "${podman[@]}" rm -f -t 0 "$id" >/dev/null 2>&1
        else
            skip "podman conmon" "podman run -d" "$work/mem-podman.err"
        fi
    fi
    local docker=skipped
    command -v docker >/dev/null 2>&1 && timeout 5 docker info >/dev/null 2>&1 && docker="has an engine (not measured)"
    python3 - "$out/monitor.json" "$podman_json" "$docker" >"$out/memory.json" <<'EOF'
import json, sys
berth, podman, docker = json.load(open(sys.argv[1])), json.loads(sys.argv[2]), sys.argv[3]
print(json.dumps({
    "per_container": {
        "berth": {"process": "monitor (berth-stage)", **berth},
        "podman": None if podman is None else {"process": "conmon", **podman},
        "crun": {"process": None, "pss_kb": 0, "note": "no per-container monitor: crun run -d exits"},
        "runc": {"process": None, "pss_kb": 0, "note": "no per-container monitor: runc run -d exits"},
    },
    "idle": {"berth": {"pss_kb": 0, "note": "no daemon"}, "podman": {"pss_kb": 0, "note": "no daemon"},
             "docker": {"pss_kb": None, "note": f"dockerd: {docker} on this machine"}},
}, indent=2))
EOF
}

# ---------------------------------------------------------------------------------------------
# oci: berth-runtime as containerd and podman call it, beside runc and crun on the same bundle

section_oci() {
    section=oci
    local rt
    for rt in berth-runtime runc crun; do
        [ "$rt" = berth-runtime ] || command -v "$rt" >/dev/null 2>&1 || continue
        row "$rt run" "$work/bin/$rt-run"
    done
    row "berth-runtime run, a JVM per call" "$work/bin/berth-runtime-jvm-run"
    for rt in berth-runtime runc crun; do
        [ "$rt" = berth-runtime ] || command -v "$rt" >/dev/null 2>&1 || continue
        row "$rt create+start+state+delete" "$work/bin/$rt-seq"
    done
    row "berth-runtime create+start+state+delete, a JVM per call" "$work/bin/berth-runtime-jvm-seq"
    row "JVM floor (hello world)" "$java" "${jvm_flags[@]}" -cp "$work/hello/hello.jar" Hello
    row "sh wrapper alone" "$work/bin/wrapper-floor"
    [ ${#names[@]} -gt 0 ] && run_hyperfine oci "$runs" "$warmup"
}

# ---------------------------------------------------------------------------------------------
# net: what a bridge network costs and carries. Everything happens in a network namespace this
# section makes (ip netns add berth-bench-PID) and deletes: berth's bridge, veth pairs and
# firewall table, and the same topology built by hand, never reach the host's network.

net_host_ip=192.0.2.1    # TEST-NET-1, on lo: the benchmark namespace's "host address"
net_hand_subnet=10.199.0 # the hand-built bridge hb0: .1 the bridge, .2 and .3 the two namespaces
net_hand_1=""            # the pids holding the two hand-built namespaces
net_hand_2=""

net_in() { nsenter --net="$net_ns" "$@"; }

net_setup() {
    local name=berth-bench-$$ host ours pid1
    ip netns add "$name" || return 1
    net_ns=/run/netns/$name
    # the namespace must not be ours (the host's), nor, where it can be read, that of PID 1
    host=$(readlink /proc/$$/ns/net)
    ours=$(net_in readlink /proc/self/ns/net)
    [ -n "$ours" ] && [ "$ours" != "$host" ] || die "net: $net_ns is the host's network namespace ($ours)"
    if pid1=$(readlink /proc/1/ns/net 2>/dev/null); then
        [ "$ours" != "$pid1" ] || die "net: $net_ns is PID 1's network namespace"
    fi
    log "net: network namespace $name ($ours; the host's is $host)"
    # an address of "the host" that is not loopback (a dummy link would do, but the kernel may
    # lack the module): published ports are reached on it as from another host's view
    net_in ip link set lo up && net_in ip addr add "$net_host_ip/32" dev lo
}

# a process in a new network namespace (a hand-built "container"); sets net_holder_pid once its
# namespace is neither the benchmark's nor the host's. Started with nsenter itself, not through
# net_in: a shell function in the background is a subshell, and $! would be its pid.
net_holder() {
    local pid bench host
    nsenter --net="$net_ns" unshare --net sleep 3600 </dev/null >/dev/null 2>&1 &
    pid=$!
    net_pids+=("$pid")
    bench=$(net_in readlink /proc/self/ns/net)
    host=$(readlink /proc/$$/ns/net)
    for _ in $(seq 100); do
        [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = sleep ] && break
        sleep 0.02
    done
    case $(readlink "/proc/$pid/ns/net" 2>/dev/null) in
        "" | "$bench" | "$host") die "net: the hand-built namespace of pid $pid did not come up" ;;
    esac
    net_holder_pid=$pid
}

# berth's topology by hand: a bridge, two namespaces on veth pairs, forwarding, and a DNAT of
# $net_host_ip:8202 to the first one's iperf3, in a table of its own
net_hand_setup() {
    local c
    net_in ip link add hb0 type bridge
    net_in ip addr add "$net_hand_subnet.1/24" dev hb0
    net_in ip link set hb0 up
    for c in 1 2; do
        net_holder
        [ "$c" -eq 1 ] && net_hand_1=$net_holder_pid || net_hand_2=$net_holder_pid
        net_in ip link add "hv$c" type veth peer name eth0 netns "$net_holder_pid"
        net_in ip link set "hv$c" master hb0
        net_in ip link set "hv$c" up
        nsenter --net="/proc/$net_holder_pid/ns/net" sh -ec "ip link set lo up
            ip addr add $net_hand_subnet.$((c + 1))/24 dev eth0
            ip link set eth0 up
            ip route add default via $net_hand_subnet.1"
    done
    net_in sysctl -qw net.ipv4.ip_forward=1
    net_in nft -f - <<EOF
table ip handbench {
    chain output { type nat hook output priority -100; policy accept; ip daddr $net_host_ip tcp dport 8202 dnat to $net_hand_subnet.2:5201; }
    chain prerouting { type nat hook prerouting priority dstnat; policy accept; ip daddr $net_host_ip tcp dport 8202 dnat to $net_hand_subnet.2:5201; }
}
EOF
}

# one iperf3 client run (its JSON report); prints the Gbit/s received, or fails
net_iperf() { # label command...
    local label=$1
    shift
    for _ in 1 2 3 4 5; do # a server may still be starting
        if "$@" -t "$net_seconds" -J >"$work/iperf-last.json" 2>"$work/iperf-last.err"; then
            python3 -c 'import json, sys; print("%.3f" % (json.load(open(sys.argv[1]))["end"]["sum_received"]["bits_per_second"] / 1e9))' \
                "$work/iperf-last.json"
            return 0
        fi
        sleep 0.5
    done
    log "net: iperf3 for '$label' failed: $(last_line "$work/iperf-last.err")"
    return 1
}

net_row_iperf() { # name command...
    local name=$1 gbps
    shift
    if gbps=$(net_iperf "$name" "$@"); then
        printf '%s\t%s\n' "$name" "$gbps" >>"$work/net-iperf.tsv"
        log "net: $name: $gbps Gbit/s"
    fi
}

section_net() {
    section=net
    if ! command -v ip >/dev/null 2>&1 || ! command -v nsenter >/dev/null 2>&1; then
        log "net: needs ip (iproute2) and nsenter (util-linux); skipped"
        skipped+=("net")
        return 0
    fi
    net_setup || { log "net: cannot make a network namespace; skipped"; skipped+=("net"); return 0; }
    local saved_ns=("${ns[@]}")
    ns=(nsenter --net="$net_ns" "${ns[@]}")

    # start latency, cold CLI: every row in one hyperfine run, in the benchmark namespace
    row "berth run --rm --network bridge" "$berth" --root "$net_state" run --rm --network bridge host true
    row "berth run --rm --network none" "$berth" --root "$net_state" run --rm --network none host true
    row "berth run --rm (default network: bridge)" "$berth" --root "$net_state" run --rm host true
    row "berth run --rm --network bridge -p 8300:80" "$berth" --root "$net_state" run --rm --network bridge \
        -p 8300:80 host true
    [ ${#names[@]} -gt 0 ] && run_hyperfine net-start "$runs" "$warmup"

    # the warm path: one JVM, the library, bridge and none alternately
    log "net: warm library path, $net_warm_runs runs each"
    net_in "$java" --enable-native-access=ALL-UNNAMED --class-path "$dist/*" "$repo/bench/src/WarmNet.java" \
        "$net_warm_state" "$net_warm_runs" 20 "$out/net-warm.json" | tee "$out/net-warm.txt" >&2 ||
        log "net: the warm path failed"

    if command -v iperf3 >/dev/null 2>&1 && command -v nft >/dev/null 2>&1; then
        net_throughput
    else
        log "net: iperf3 or nft missing: no throughput rows"
        skipped+=("net throughput")
    fi
    ns=("${saved_ns[@]}")
    net_cleanup
}

net_throughput() {
    local a_ip rep
    : >"$work/net-iperf.tsv"
    # berth: a server container publishing 5201 on 8201, a client container, both on bridge
    if ! "${ns[@]}" "$berth" --root "$net_state" run -d --name bench-net-a --network bridge -p 8201:5201 \
        host iperf3 -s </dev/null >"$work/net-a.out" 2>"$work/net-a.err"; then
        skip "berth iperf3 server" "berth run -d --network bridge -p 8201:5201 host iperf3 -s" "$work/net-a.err"
        return 0
    fi
    if ! "${ns[@]}" "$berth" --root "$net_state" run -d --name bench-net-b --network bridge host sleep 3600 \
        </dev/null >/dev/null 2>"$work/net-b.err"; then
        skip "berth iperf3 client" "berth run -d --network bridge host sleep 3600" "$work/net-b.err"
        return 0
    fi
    a_ip=$("$berth" --root "$net_state" inspect -f '{{.NetworkSettings.IPAddress}}' bench-net-a)
    log "net: berth's iperf3 server at $a_ip, published on $net_host_ip:8201"

    # by hand: the same topology with its own server, and loopback as the ceiling (no veth, no
    # bridge, no NAT)
    net_hand_setup
    nsenter --net="/proc/$net_hand_1/ns/net" iperf3 -s </dev/null >/dev/null 2>&1 &
    net_pids+=("$!")
    nsenter --net="$net_ns" iperf3 -s -p 5301 </dev/null >/dev/null 2>&1 &
    net_pids+=("$!")

    local c2c_b="berth, container to container (bridge)"
    local c2c_h="by hand, namespace to namespace (bridge + veth)"
    local pub_b="berth, host address to published port (-p)"
    local pub_h="by hand, host address to DNAT'ed port (nft)"
    local lo="loopback in one namespace (reference)"
    local exec_b=("${ns[@]}" "$berth" --root "$net_state" exec bench-net-b)
    local in_h2=(nsenter --net="/proc/$net_hand_2/ns/net")
    {
        printf '%s\t%s\n' "$c2c_b" "berth exec bench-net-b iperf3 -c $a_ip -t $net_seconds -J"
        printf '%s\t%s\n' "$c2c_h" "nsenter --net=/proc/PID2/ns/net iperf3 -c $net_hand_subnet.2 -t $net_seconds -J"
        printf '%s\t%s\n' "$pub_b" "iperf3 -c $net_host_ip -p 8201 -t $net_seconds -J (berth run -p 8201:5201)"
        printf '%s\t%s\n' "$pub_h" "iperf3 -c $net_host_ip -p 8202 -t $net_seconds -J (nft dnat to $net_hand_subnet.2:5201)"
        printf '%s\t%s\n' "$lo" "iperf3 -c 127.0.0.1 -p 5301 -t $net_seconds -J"
    } >"$work/net-iperf-rows.tsv"
    for rep in $(seq "$net_repeat"); do
        log "net: iperf3 round $rep of $net_repeat, $net_seconds s per row"
        # berth and its hand-built twin back to back, in alternating order
        if [ $((rep % 2)) -eq 1 ]; then
            net_row_iperf "$c2c_b" "${exec_b[@]}" iperf3 -c "$a_ip"
            net_row_iperf "$c2c_h" "${in_h2[@]}" iperf3 -c "$net_hand_subnet.2"
            net_row_iperf "$pub_b" net_in iperf3 -c "$net_host_ip" -p 8201
            net_row_iperf "$pub_h" net_in iperf3 -c "$net_host_ip" -p 8202
        else
            net_row_iperf "$c2c_h" "${in_h2[@]}" iperf3 -c "$net_hand_subnet.2"
            net_row_iperf "$c2c_b" "${exec_b[@]}" iperf3 -c "$a_ip"
            net_row_iperf "$pub_h" net_in iperf3 -c "$net_host_ip" -p 8202
            net_row_iperf "$pub_b" net_in iperf3 -c "$net_host_ip" -p 8201
        fi
        net_row_iperf "$lo" net_in iperf3 -c 127.0.0.1 -p 5301
    done
    python3 - "$work/net-iperf.tsv" "$work/net-iperf-rows.tsv" "$out/net-iperf.json" "$net_seconds" "$net_repeat" <<'EOF'
import json, statistics, sys
tsv, rows_tsv, dest, seconds, repeat = sys.argv[1:]
samples = {}
for line in open(tsv):
    name, gbps = line.rstrip("\n").split("\t")
    samples.setdefault(name, []).append(float(gbps))
rows = []
for line in open(rows_tsv):
    name, command = line.rstrip("\n").split("\t")
    s = samples.get(name, [])
    rows.append({"name": name, "command": command, "gbps": s, "median": statistics.median(s) if s else None,
                 "min": min(s) if s else None, "max": max(s) if s else None})
json.dump({"seconds": int(seconds), "repeat": int(repeat), "rows": rows}, open(dest, "w"), indent=2)
EOF
    "${ns[@]}" "$berth" --root "$net_state" rm -f bench-net-a bench-net-b >/dev/null 2>&1 ||
        log "net: could not remove the iperf3 containers (the exit trap retries)"
}

# ---------------------------------------------------------------------------------------------
# run the sections asked for

if command -v docker >/dev/null 2>&1 && timeout 5 docker info >/dev/null 2>&1; then
    log "docker has an engine here but needs an image; not benchmarked (see bench/README.md)"
else
    log "docker: no working engine, skipped"
    skipped+=("docker")
fi
for s in $sections; do
    if want "$s"; then "section_$s"; fi
done

# ---------------------------------------------------------------------------------------------
# The machine, the summary against the targets, the charts

{
    echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "sections: $only"
    echo "nproc: $(nproc)"
    echo "kernel: $(uname -srm)"
    echo "cpu: $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
    echo "memory: $(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
    echo "os: $(. /etc/os-release && echo "$PRETTY_NAME")"
    echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "java: $("$java" -version 2>&1 | head -1)"
    [ ${#jvm_flags[@]} -gt 0 ] && echo "jvm floor flags: ${jvm_flags[*]}"
    echo "berth AOT cache: $(aot_state "$java")"
    echo "berth measured from: a copy of bin/berth and cli/target/berth (BERTH_STAGE=the copy's stage)"
    echo "berth: $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$repo" diff --quiet HEAD 2>/dev/null || echo ' (with uncommitted changes)')"
    echo "hyperfine: $(hyperfine --version)"
    for tool in unshare nsenter lsns bwrap runc crun podman; do
        if command -v "$tool" >/dev/null 2>&1; then
            echo "$tool: $("$tool" --version 2>&1 | head -1)"
        fi
    done
    if [ ${#ns[@]} -gt 0 ]; then
        echo "note: the rows ran in a private mount namespace without /sys/fs/cgroup/unified (crun vs hybrid cgroups)"
    fi
    if [ ${#skipped[@]} -gt 0 ]; then
        echo "skipped: ${skipped[*]}"
    fi
} >"$out/machine.txt"

python3 "$repo/bench/src/summary.py" "$out" "$only" \
    "runs=$runs warmup=$warmup scale_runs=$scale_runs scale_warmup=$scale_warmup parallel=$par_count" \
    >"$out/summary.md"
python3 "$repo/bench/src/charts.py" "$out"
for svg in "$out"/start.svg "$out"/scaling.svg; do
    [ -f "$svg" ] || continue
    python3 -c 'import xml.dom.minidom, sys; xml.dom.minidom.parse(sys.argv[1])' "$svg" ||
        die "$svg is not well-formed XML"
done
cat "$out/summary.md"
log "results in $out"
