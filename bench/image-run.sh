#!/bin/bash
# berth run --rm IMAGE true on an image whose layers are already unpacked, beside the same run on
# the built-in host image and podman run of the same image (loaded with skopeo into a podman
# store of this script's own, overlay driver), in one hyperfine run. As root, on Debian, after
# bin/build. Knobs: BENCH_RUNS (30), BENCH_WARMUP (3), BENCH_OUT (a temporary directory),
# BENCH_BERTH (the launcher to measure: bench/image.sh passes its frozen copy), BENCH_NO_PODMAN=1.
set -euo pipefail
repo=$(dirname "$(dirname "$(readlink -f "$0")")")
# crun (podman's runtime) refuses cgroup "hybrid" mode with controllers on the v2 hierarchy: the
# script then runs in a private mount namespace without /sys/fs/cgroup/unified, as run.sh does;
# podman's overlay mounts stay in that namespace and go with it
if [ -z "${BENCH_IMAGE_NS:-}" ] && [ -n "$(cat /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null)" ]; then
    export BENCH_IMAGE_NS=1
    exec unshare --mount --propagation private sh -c 'umount /sys/fs/cgroup/unified && exec "$0" "$@"' "$0" "$@"
fi
runs=${BENCH_RUNS:-30}
warmup=${BENCH_WARMUP:-3}
work=$(mktemp -d /tmp/berth-bench-image.XXXXXX)
out=${BENCH_OUT:-$work/out}
mkdir -p "$out"
podman=(podman --root "$work/podman/root" --runroot "$work/podman/run" --tmpdir "$work/podman/tmp"
    --storage-driver overlay --cgroup-manager cgroupfs --events-backend file)
# berth's containers under a cgroup parent of this run, removed at exit (the default, /berth,
# would stay behind on the host, empty)
own_parent=""
if [ -z "${BERTH_CGROUP_PARENT:-}" ]; then
    export BERTH_CGROUP_PARENT=/berth-bench-image-$$
    own_parent=${BERTH_CGROUP_PARENT#/}
fi
cleanup() {
    if [ -n "$own_parent" ]; then
        for d in /sys/fs/cgroup/*/"$own_parent"; do
            [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
        done
    fi
    "${podman[@]}" rm -af >/dev/null 2>&1 || true
    "${podman[@]}" system reset -f >/dev/null 2>&1 || true
    umount -R "$work/podman/root" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
tools="umoci skopeo hyperfine"
[ -n "${BENCH_NO_PODMAN:-}" ] || tools="$tools podman"
for tool in $tools; do
    command -v $tool >/dev/null || { echo "bench: $tool is missing (apt-get install $tool)" >&2; exit 1; }
done
# explicit rlimits: podman's defaults exceed the hard limits of a root without CAP_SYS_RESOURCE
pflags="--network none --ulimit nofile=$(ulimit -Sn):$(ulimit -Hn) --ulimit nproc=1024:1024"
launcher=${BENCH_BERTH:-$repo/bin/berth}
dist=$(dirname "$launcher")/../cli/target/berth
java=$(cat "$dist/java-home")/bin/java
berth=("$launcher" --root "$work/berth")

# busybox (static, from Debian's busybox-static) and a symlink per applet, in one layer
rootfs=$work/bundle/rootfs
umoci init --layout "$work/layout"
umoci new --image "$work/layout:latest"
umoci unpack --image "$work/layout:latest" "$work/bundle" >/dev/null
mkdir -p "$rootfs/bin" "$rootfs/etc" "$rootfs/tmp"
cp /bin/busybox "$rootfs/bin/busybox"
for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -s busybox "$rootfs/bin/$a"; done
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$rootfs/etc/passwd"
umoci repack --image "$work/layout:latest" "$work/bundle"
umoci config --image "$work/layout:latest" --config.env PATH=/bin --config.cmd /bin/sh

"$java" --enable-native-access=ALL-UNNAMED --class-path "$dist/lib/*" \
    "$repo/bench/src/LoadLayout.java" "$work/berth" "$work/layout" busybox
"${berth[@]}" run --rm --network none busybox true # unpacks the layer once: what is measured is a run on it
rows=(-n "berth run --rm busybox true" "${berth[*]} run --rm --network none busybox true"
    -n "berth run --rm host true" "${berth[*]} run --rm --network none host true"
    -n "BERTH_SNAPSHOTTER=copy berth run --rm busybox true" "env BERTH_SNAPSHOTTER=copy ${berth[*]} run --rm --network none busybox true")
if [ -z "${BENCH_NO_PODMAN:-}" ]; then
    skopeo copy --quiet "oci:$work/layout:latest" \
        "containers-storage:[overlay@$work/podman/root+$work/podman/run]docker.io/library/busybox:latest"
    "${podman[@]}" run --rm $pflags busybox true
    rows+=(-n "podman run --rm busybox true (overlay)" "${podman[*]} run --rm $pflags busybox true")
fi

hyperfine -N --runs "$runs" --warmup "$warmup" --export-markdown "$out/image-run.md" --export-json "$out/image-run.json" \
    "${rows[@]}"
cat "$out/image-run.md"
