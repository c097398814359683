#!/usr/bin/env bash
# bench/run.sh: start-to-exit latency of `berth run --rm ... /bin/true` side by side with its
# peers (JVM floor, unshare, bwrap, crun, runc, podman) in ONE hyperfine run, so that the ratios
# hold on a noisy machine; then the warm library path (bench/src/WarmStart.java) and the RSS/PSS of
# a container's monitor. See bench/README.md.
#
#   bench/run.sh                 # as root; results in bench/results/ (or $BENCH_OUT)
#
# Knobs (environment): BENCH_OUT, BENCH_RUNS (30), BENCH_WARMUP (3), BENCH_WARM_RUNS (200),
# BENCH_WARM_WARMUPS (20), BENCH_NO_INSTALL=1 (never apt-get), BENCH_NO_PODMAN=1.
#
# Everything it creates lives under one temp dir that a trap removes; it starts no network (every
# container has its own empty network namespace or none), kills nothing by name, and removes every
# container it started.
set -euo pipefail

repo=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
out=${BENCH_OUT:-$repo/bench/results}
runs=${BENCH_RUNS:-30}
warmup=${BENCH_WARMUP:-3}
warm_runs=${BENCH_WARM_RUNS:-200}
warm_warmups=${BENCH_WARM_WARMUPS:-20}
berth=$repo/bin/berth
dist=$repo/cli/target/berth/lib

log() { printf 'bench: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

[ "$(id -u)" -eq 0 ] || die "run me as root: containers need it"

work=$(mktemp -d /tmp/berth-bench.XXXXXX)
state=$work/state              # berth --root of the cold CLI and the monitor measurement
warm_state=$work/warm-state    # Engine.open() root of the warm library path
rootfs=$work/rootfs
bundle=$work/bundle
podman=()                      # podman plus its global flags, once podman works
detached=""                    # id of the detached berth container, while it exists

# what the runtimes make outside $work on first use (runtime state dirs, podman's parent
# cgroups): the ones missing now are removed again at exit, if empty
outside=()
for p in /run/crun /run/runc; do
    [ -e "$p" ] || outside+=("$p")
done
for d in /sys/fs/cgroup/*/; do
    [ -e "${d}libpod_parent" ] || outside+=("${d}libpod_parent")
done

cleanup() {
    set +e
    [ -n "$detached" ] && "$berth" --root "$state" rm -f "$detached" >/dev/null 2>&1
    # containers an interrupted run may have left behind, each by the tool that made it
    for root in "$state" "$warm_state"; do
        [ -d "$root" ] || continue
        for id in $("$berth" --root "$root" ps -aq 2>/dev/null); do
            "$berth" --root "$root" rm -f "$id" >/dev/null 2>&1
        done
    done
    for rt in runc crun; do
        [ -d "$work/$rt" ] && command -v "$rt" >/dev/null 2>&1 || continue
        for id in $("$rt" --root "$work/$rt" list -q 2>/dev/null); do
            "$rt" --root "$work/$rt" delete -f "$id" >/dev/null 2>&1
        done
    done
    [ ${#podman[@]} -gt 0 ] && "${podman[@]}" rm -af >/dev/null 2>&1
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
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------------------------------------
# Peers: install what is missing from Debian, one package at a time, so one failure skips one peer

apt_updated=""
apt_install() { # package timeout-seconds
    [ -z "${BENCH_NO_INSTALL:-}" ] && command -v apt-get >/dev/null 2>&1 || return 1
    if [ -z "$apt_updated" ]; then
        apt-get update -qq >"$work/apt-update.log" 2>&1 || { tail -3 "$work/apt-update.log" >&2; return 1; }
        apt_updated=1
    fi
    # the time limit covers the download only: never interrupt dpkg halfway
    DEBIAN_FRONTEND=noninteractive timeout "$2" \
        apt-get install -y -qq --no-install-recommends --download-only "$1" >"$work/apt-$1.log" 2>&1 &&
        DEBIAN_FRONTEND=noninteractive \
            apt-get install -y -qq --no-install-recommends "$1" >>"$work/apt-$1.log" 2>&1 ||
        { tail -3 "$work/apt-$1.log" >&2; return 1; }
}

have() { # command package [timeout]: the command, installing its package when missing
    command -v "$1" >/dev/null 2>&1 && return 0
    log "installing $2"
    if apt_install "$2" "${3:-300}" && command -v "$1" >/dev/null 2>&1; then
        return 0
    fi
    log "could not install $2: its rows are skipped"
    return 1
}

have hyperfine hyperfine || die "hyperfine is required"
have python3 python3-minimal || die "python3 is required (OCI config, summary)"
have unshare util-linux || true
have bwrap bubblewrap || true
have runc runc || true
have crun crun || true
if [ -z "${BENCH_NO_PODMAN:-}" ]; then
    have podman podman 300 || true
fi
# the rootfs needs a static busybox: busybox-static (it replaces the dynamic busybox package)
static_busybox() {
    [ -x /bin/busybox ] || return 1
    case $(LC_ALL=C ldd /bin/busybox 2>&1 || true) in *"not a dynamic"*) return 0 ;; esac
    return 1
}
if ! static_busybox; then
    log "installing busybox-static"
    apt_install busybox-static 300 || die "a static /bin/busybox is required (busybox-static)"
fi

# ---------------------------------------------------------------------------------------------
# berth and its JDK, exactly as bin/berth finds them

. "$repo/bin/lib/java.sh"
java_home=$(berth_find_jdk) || die "no JDK >= 25 found (see bin/lib/java.sh)"
java=$java_home/bin/java
"$berth" version >/dev/null || die "berth does not build right now; retry later (BERTH_REBUILD=1 bin/berth version)"

# bin/build also trains the AOT cache that bin/berth maps at start-up. JDK 25 does NOT reject a
# cache older than the jars: it serves the classes of the old jars. So the cache must be newer
# than every jar, or the cold CLI row would time old code.
aot_fresh() { # distribution dir (holding lib/ and berth.aot)
    [ -f "$1/berth.aot" ] && [ -z "$(find "$1/lib" -name '*.jar' -newer "$1/berth.aot")" ]
}
if ! aot_fresh "$repo/cli/target/berth"; then
    log "the AOT cache is missing or older than the jars: running bin/build"
    "$repo/bin/build" >&2 || die "bin/build failed; retry later"
fi

# Freeze the distribution: a copy of the launcher, the jars, the stage and the AOT cache (mtimes
# kept; the JVM accepts a relocated class path). Teammates rebuilding cli/target mid-run then
# cannot change what is measured.
snap=$work/berth
mkdir -p "$snap/bin/lib" "$snap/cli/target"
cp -p "$repo/bin/berth" "$snap/bin/berth"
cp -p "$repo/bin/lib/java.sh" "$snap/bin/lib/java.sh"
cp -a "$repo/cli/target/berth" "$snap/cli/target/berth"
if ! aot_fresh "$snap/cli/target/berth" && [ -f "$snap/cli/target/berth/berth.aot" ]; then
    log "the AOT cache is still older than the jars: measuring berth without it"
    rm -f "$snap/cli/target/berth/berth.aot"
fi
unset BERTH_REBUILD
berth=$snap/bin/berth
dist=$snap/cli/target/berth/lib
# berth finds its stage next to the jar of its Stage class, but a class loaded from the AOT cache
# reports the jar location of the training run (cli/target in the repo), so name it outright
export BERTH_STAGE=$dist/berth-stage

# ---------------------------------------------------------------------------------------------
# The one root filesystem every row runs /bin/true from: busybox and its applets, offline

log "building the busybox rootfs in $rootfs"
mkdir -p "$rootfs/bin" "$rootfs/dev" "$rootfs/proc" "$rootfs/sys" "$rootfs/tmp" "$rootfs/etc" "$rootfs/root"
cp /bin/busybox "$rootfs/bin/busybox"
for applet in $(/bin/busybox --list); do
    [ -e "$rootfs/bin/$applet" ] || ln -s busybox "$rootfs/bin/$applet"
done

# the OCI bundle for runc and crun: the default spec, pointed at the rootfs, running /bin/true
if command -v runc >/dev/null 2>&1 || command -v crun >/dev/null 2>&1; then
    mkdir -p "$bundle" "$work/runc" "$work/crun"
    if command -v runc >/dev/null 2>&1; then (cd "$bundle" && runc spec); else (cd "$bundle" && crun spec); fi
    python3 - "$bundle/config.json" "$rootfs" <<'EOF'
import json, sys
path, rootfs = sys.argv[1], sys.argv[2]
with open(path) as f:
    config = json.load(f)
config["root"] = {"path": rootfs, "readonly": False}
config["process"]["args"] = ["/bin/true"]
config["process"]["terminal"] = False
with open(path, "w") as f:
    json.dump(config, f, indent=2)
EOF
fi

# one-line wrappers giving runc and crun a fresh container id per run ($$ of the wrapper)
mkdir -p "$work/bin"
for rt in runc crun; do
    printf '#!/bin/sh\nexec %s --root %s run --bundle %s bench-%s-$$\n' \
        "$rt" "$work/$rt" "$bundle" "$rt" >"$work/bin/$rt-run"
done
# the cost of such a wrapper alone: sh starting and exec'ing /bin/true
printf '#!/bin/sh\nexec /bin/true\n' >"$work/bin/wrapper-floor"
chmod +x "$work/bin/"*

# the JVM floor: hello world with the JDK and the JVM flags of bin/berth's exec line
mkdir -p "$work/hello"
cat >"$work/hello/Hello.java" <<'EOF'
public class Hello {
    public static void main(String[] args) {
        System.out.println("hello");
    }
}
EOF
"$java_home/bin/javac" -d "$work/hello/classes" "$work/hello/Hello.java"
# a jar, like berth's class path (an AOT cache also refuses directories on the class path)
"$java_home/bin/jar" --create --file "$work/hello/hello.jar" -C "$work/hello/classes" .
read -r -a jvm_flags <<<"$(sed -n '/^exec /,/dev\.berth\.cli\.Main/p' "$berth" |
    grep -oE -- '-X[^ "]+|--enable-native-access=[^ "]+' | grep -v AOTCache | tr '\n' ' ')"
[ ${#jvm_flags[@]} -gt 0 ] ||
    jvm_flags=(-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:-UsePerfData -Xshare:auto --enable-native-access=ALL-UNNAMED)
berth_flags=("${jvm_flags[@]}")
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

# crun refuses cgroup "hybrid" mode when controllers sit on the v2 hierarchy
# (/sys/fs/cgroup/unified); podman runs crun too. The rows then run in a private mount
# namespace without that mount: crun and runc both see plain cgroup v1, the host is untouched.
ns=()
if [ -n "$(cat /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null)" ]; then
    log "cgroup hybrid mode with v2 controllers: the benchmark runs without /sys/fs/cgroup/unified (private mount namespace)"
    ns=(unshare --mount --propagation private sh -c 'umount /sys/fs/cgroup/unified && exec "$@"' sh)
    if ! "${ns[@]}" true 2>/dev/null; then
        log "cannot hide /sys/fs/cgroup/unified: running as is (crun and podman may be skipped)"
        ns=()
    fi
fi

# ---------------------------------------------------------------------------------------------
# The rows: each command is tried once; a peer that fails is skipped with its error shown

names=()
commands=()
skipped=()
row() { # name command...
    local name=$1
    shift
    if "${ns[@]}" "$@" >"$work/check.log" 2>&1; then
        names+=("$name")
        commands+=("$(printf '%q ' "$@")")
    else
        log "skipping '$name': $* failed:"
        tail -5 "$work/check.log" | sed 's/^/    /' >&2
        skipped+=("$name")
    fi
}

row "berth run --rm (cold CLI)" "$berth" --root "$state" run --rm --rootfs "$rootfs" /bin/true
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
if [ -z "${BENCH_NO_PODMAN:-}" ] && command -v podman >/dev/null 2>&1; then
    mkdir -p "$work/podman"
    podman=(podman --root "$work/podman/root" --runroot "$work/podman/run" --tmpdir "$work/podman/tmp"
        --storage-driver vfs --cgroup-manager cgroupfs --events-backend file)
    # explicit rlimits: podman's defaults exceed the hard limits of a root without CAP_SYS_RESOURCE
    row "podman run --rm" "${podman[@]}" run --rm --network none \
        --ulimit "nofile=$(ulimit -Sn):$(ulimit -Hn)" --ulimit nproc=1024:1024 --rootfs "$rootfs" /bin/true
fi
if command -v docker >/dev/null 2>&1 && timeout 5 docker info >/dev/null 2>&1; then
    log "docker has an engine here but needs an image; not benchmarked (see bench/README.md)"
else
    log "docker: no working engine, skipped"
    skipped+=("docker")
fi

# ---------------------------------------------------------------------------------------------
# 1. start-to-exit, every row in one hyperfine run

mkdir -p "$out"
hf=(hyperfine -N --warmup "$warmup" --runs "$runs"
    --export-markdown "$out/hyperfine.md" --export-json "$out/hyperfine.json")
for i in "${!names[@]}"; do
    hf+=(--command-name "${names[i]}" "${commands[i]}")
done
log "hyperfine: ${#names[@]} rows, $warmup warm-ups and $runs runs each"
"${ns[@]}" "${hf[@]}" | tee "$out/hyperfine.txt"

# ---------------------------------------------------------------------------------------------
# 2. the warm library path: one JVM, one Engine, many runs

log "warm library path: $warm_runs runs after $warm_warmups warm-ups"
"$java" --enable-native-access=ALL-UNNAMED --class-path "$dist/*" "$repo/bench/src/WarmStart.java" \
    "$warm_state" "$rootfs" "$warm_runs" "$warm_warmups" "$out/warm.json" | tee "$out/warm.txt"

# ---------------------------------------------------------------------------------------------
# 3. the monitor of a running container: RSS and PSS

log "monitor memory: a detached /bin/sleep 30"
detached=$("$berth" --root "$state" run -d --rootfs "$rootfs" /bin/sleep 30)
monitor=$("$berth" --root "$state" inspect -f '{{.State.MonitorPid}}' "$detached" 2>/dev/null || true)
case $monitor in
    '' | *[!0-9]*) # no Go templates yet: read the JSON
        monitor=$("$berth" --root "$state" inspect "$detached" |
            python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["State"]["MonitorPid"])') ;;
esac
sleep 1 # let the monitor settle into its steady state
[ -r "/proc/$monitor/smaps_rollup" ] || die "monitor pid $monitor is not running"
monitor_exe=$(readlink "/proc/$monitor/exe" || true)
rss_kb=$(awk '/^VmRSS:/ { print $2 }' "/proc/$monitor/status")
rss_anon_kb=$(awk '/^RssAnon:/ { print $2 }' "/proc/$monitor/status")
rss_file_kb=$(awk '/^RssFile:/ { print $2 }' "/proc/$monitor/status")
pss_kb=$(awk '/^Pss:/ { print $2 }' "/proc/$monitor/smaps_rollup")
printf '{"pid": %s, "exe": "%s", "rss_kb": %s, "rss_anon_kb": %s, "rss_file_kb": %s, "pss_kb": %s}\n' \
    "$monitor" "$monitor_exe" "$rss_kb" "$rss_anon_kb" "$rss_file_kb" "$pss_kb" >"$out/monitor.json"
log "monitor pid $monitor ($monitor_exe): VmRSS $rss_kb kB (anon $rss_anon_kb, file $rss_file_kb), Pss $pss_kb kB"
"$berth" --root "$state" rm -f "$detached" >/dev/null
detached=""
for _ in $(seq 50); do [ -e "/proc/$monitor" ] || break; sleep 0.1; done

# ---------------------------------------------------------------------------------------------
# The machine, and the summary against the targets

{
    echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "nproc: $(nproc)"
    echo "kernel: $(uname -srm)"
    echo "cpu: $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
    echo "memory: $(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
    echo "os: $(. /etc/os-release && echo "$PRETTY_NAME")"
    echo "java: $("$java" -version 2>&1 | head -1)"
    echo "jvm floor flags: ${jvm_flags[*]}"
    # ask the JVM whether berth's own classes come out of the cache
    aot_state="none"
    if [ -f "$dist/../berth.aot" ]; then
        aot_log=$("$java" "${berth_flags[@]}" -XX:AOTCache="$dist/../berth.aot" -Xlog:class+load=info \
            -cp "$dist/*" dev.berth.cli.Main version 2>&1 || true)
        case $aot_log in
            *"dev.berth.cli.Main source: shared objects file"*) aot_state="yes, newer than the jars, classes loaded from it" ;;
            *) aot_state="present but NOT used by the JVM" ;;
        esac
    fi
    echo "berth AOT cache: $aot_state"
    echo "berth measured from: a copy of bin/berth and cli/target/berth (BERTH_STAGE=the copy's stage)"
    echo "berth: $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$repo" diff --quiet HEAD 2>/dev/null || echo ' (with uncommitted changes)')"
    echo "hyperfine: $(hyperfine --version)"
    for tool in unshare bwrap runc crun podman; do
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

python3 - "$out" <<'EOF' | tee "$out/summary.md"
import json, sys
out = sys.argv[1]
rows = json.load(open(f"{out}/hyperfine.json"))["results"]
results = {r["command"]: r for r in rows}
warm = json.load(open(f"{out}/warm.json"))
monitor = json.load(open(f"{out}/monitor.json"))

def median_ms(name):
    r = results.get(name)
    return None if r is None else r["median"] * 1000

cold = median_ms("berth run --rm (cold CLI)")
floor = median_ms("JVM floor (hello world)")
unshare = median_ms("unshare (kernel floor)")
podman = median_ms("podman run --rm")

print("| row | median [ms] | mean ± σ [ms] | min [ms] | max [ms] | median / unshare |")
print("|:---|---:|---:|---:|---:|---:|")
for r in rows:
    med = r["median"] * 1000
    rel = f"{med / unshare:.1f}x" if unshare else "-"
    print(f"| {r['command']} | {med:.1f} | {r['mean'] * 1000:.1f} ± {r['stddev'] * 1000:.1f} |"
          f" {r['min'] * 1000:.1f} | {r['max'] * 1000:.1f} | {rel} |")
rel = f"{warm['median_ms'] / unshare:.1f}x" if unshare else "-"
failed = f", {warm['failures']} failed" if warm.get("failures") else ""
print(f"| warm library path (WarmStart, {warm['runs']} runs{failed}, p90 {warm['p90_ms']:.1f}) |"
      f" {warm['median_ms']:.1f} | {warm['mean_ms']:.1f} | {warm['min_ms']:.1f} | {warm['max_ms']:.1f} | {rel} |")
print()

def target(name, a_name, a, b_name, b, ratio_text, ok):
    if a is None or b is None:
        print(f"| {name} | {a_name} or {b_name} missing | - | n/a |")
    else:
        print(f"| {name} | {a_name} {a:.1f} ms, {b_name} {b:.1f} ms | {ratio_text(a, b)} |"
              f" {'met' if ok(a, b) else 'NOT met'} |")

print("| target | measured (medians) | ratio | status |")
print("|:---|:---|:---|:---|")
target("cold CLI within 1.5x of the JVM floor", "berth", cold, "JVM floor", floor,
       lambda a, b: f"berth / floor = {a / b:.2f}x", lambda a, b: a <= 1.5 * b)
target("cold CLI >= 5x faster than podman", "berth", cold, "podman", podman,
       lambda a, b: f"podman / berth = {b / a:.2f}x", lambda a, b: b >= 5 * a)
target("warm library path within 2x of unshare", "warm", warm["median_ms"], "unshare", unshare,
       lambda a, b: f"warm / unshare = {a / b:.2f}x", lambda a, b: a <= 2 * b)
rss = monitor["rss_kb"]
print(f"| monitor RSS < 1 MiB | VmRSS {rss} kB (anon {monitor['rss_anon_kb']}, file {monitor['rss_file_kb']}), Pss {monitor['pss_kb']} kB |"
      f" {rss / 1024:.2f} MiB | {'met' if rss < 1024 else 'NOT met'} |")
EOF
log "results in $out"
