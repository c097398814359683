# shellcheck shell=bash disable=SC2154 # repo, work, berth, dist: set by the caller
# bench/lib.sh: helpers shared by bench/run.sh and bench/daemon.sh (sourced, not run).
# The caller sets: repo (the repository), work (its temp dir, removed by its exit trap).

log() { printf 'bench: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

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

# the rootfs needs a static busybox: busybox-static (it replaces the dynamic busybox package)
static_busybox() {
    [ -x /bin/busybox ] || return 1
    case $(LC_ALL=C ldd /bin/busybox 2>&1 || true) in *"not a dynamic"*) return 0 ;; esac
    return 1
}
need_static_busybox() {
    if ! static_busybox; then
        log "installing busybox-static"
        apt_install busybox-static 300 || die "a static /bin/busybox is required (busybox-static)"
    fi
}

# ---------------------------------------------------------------------------------------------
# berth, frozen: bin/build also trains the AOT cache that bin/berth maps at start-up. JDK 25 does
# NOT reject a cache older than the jars: it serves the classes of the old jars. So the cache
# must be newer than every jar, or berth's rows would time old code.

aot_fresh() { # distribution dir (holding lib/ and the AOT caches)
    local cache
    for cache in berth.aot berth-all.aot; do
        [ -f "$1/$cache" ] && [ -z "$(find "$1/lib" -name '*.jar' -newer "$1/$cache")" ] || return 1
    done
}

# The JVM options bin/berth gives the CLI's JVM (its `opts=` line and the exec line's
# --enable-native-access), without the AOT cache: the JVM floor runs with the same ones
launcher_jvm_flags() { # launcher
    { sed -n 's/^opts="\([^"]*\)"$/\1/p' "$1" | head -1; grep -oE -- '--enable-native-access=[^ "]+' "$1" | head -1; } |
        tr ' ' '\n' | grep -E -- '^-' | tr '\n' ' '
}

# Builds berth when needed, then measures a copy of the launcher, the jars, the stage and the
# AOT cache (mtimes kept; the JVM accepts a relocated class path): teammates rebuilding
# cli/target mid-run cannot change what is measured. Sets berth (the copy's launcher) and dist
# (its lib/), and exports BERTH_STAGE: a class loaded from the AOT cache reports the jar
# location of the training run (cli/target in the repo), so berth would look for its stage there.
freeze_berth() {
    "$repo/bin/berth" version >/dev/null || die "berth does not build right now; retry later (BERTH_REBUILD=1 bin/berth version)"
    if ! aot_fresh "$repo/cli/target/berth"; then
        log "the AOT cache is missing or older than the jars: running bin/build"
        "$repo/bin/build" >&2 || die "bin/build failed; retry later"
    fi
    local snap=$work/berth
    mkdir -p "$snap/bin/lib" "$snap/cli/target"
    cp -p "$repo/bin/berth" "$snap/bin/berth"
    ln -s berth "$snap/bin/berth-runtime" # the launcher picks RuntimeMain by its name
    cp -p "$repo/bin/lib/java.sh" "$snap/bin/lib/java.sh"
    cp -a "$repo/cli/target/berth" "$snap/cli/target/berth"
    if ! aot_fresh "$snap/cli/target/berth"; then
        log "an AOT cache is missing or still older than the jars: measuring berth without them"
        rm -f "$snap/cli/target/berth/"*.aot
    fi
    unset BERTH_REBUILD
    berth=$snap/bin/berth
    dist=$snap/cli/target/berth/lib
    export BERTH_STAGE=$dist/berth-stage
}

# "yes, ..." when the JVM maps berth's own classes from the frozen copy's AOT cache
aot_state() { # java
    local flags=() out
    [ -f "$dist/../berth.aot" ] || { echo none; return; }
    read -r -a flags <<<"$(launcher_jvm_flags "$berth")"
    out=$("$1" "${flags[@]}" -XX:AOTCache="$dist/../berth.aot" -Xlog:class+load=info \
        -cp "$dist/*" dev.berth.cli.Main version 2>&1 || true)
    case $out in
        *"dev.berth.cli.Main source: shared objects file"*) echo "yes, newer than the jars, classes loaded from it" ;;
        *) echo "present but NOT used by the JVM" ;;
    esac
}

# ---------------------------------------------------------------------------------------------
# crun refuses cgroup "hybrid" mode when controllers sit on the v2 hierarchy
# (/sys/fs/cgroup/unified); podman runs crun too. Such rows run in a private mount namespace
# without that mount: crun and runc both see plain cgroup v1, the host is untouched.
hybrid_cgroups() {
    [ -n "$(cat /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null)" ]
}

# ---------------------------------------------------------------------------------------------
# Memory of one process: {"pid", "exe", "rss_kb", "rss_anon_kb", "rss_file_kb", "pss_kb"}
proc_mem() { # pid
    printf '{"pid": %s, "exe": "%s", "rss_kb": %s, "rss_anon_kb": %s, "rss_file_kb": %s, "pss_kb": %s}' "$1" \
        "$(readlink "/proc/$1/exe" || true)" \
        "$(awk '/^VmRSS:/ { print $2 }' "/proc/$1/status")" \
        "$(awk '/^RssAnon:/ { print $2 }' "/proc/$1/status")" \
        "$(awk '/^RssFile:/ { print $2 }' "/proc/$1/status")" \
        "$(awk '/^Pss:/ { print $2 }' "/proc/$1/smaps_rollup")"
}

# The machine, for the results
machine_lines() { # java
    echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "nproc: $(nproc)"
    echo "kernel: $(uname -srm)"
    echo "cpu: $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
    echo "memory: $(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
    echo "os: $(. /etc/os-release && echo "$PRETTY_NAME")"
    echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "java: $("$1" -version 2>&1 | head -1)"
}
