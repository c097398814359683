#!/usr/bin/env bash
# bench/image.sh: berth's image paths beside their peers (issue 8's benchmark), each table from
# ONE hyperfine run so that the ratios hold on a noisy machine:
#   unpack  an image's gzip layers into a root filesystem: berth create on a store whose layers
#           are not unpacked yet beside umoci unpack of the same OCI layout, berth load of the
#           layout beside skopeo copy oci: -> dir: (blobs copied and verified, no unpack), and
#           tar -xzf of the layers (the floor)
#   pull    the same image from Debian's docker-registry on 127.0.0.1: berth pull, skopeo copy
#           docker:// -> oci:, podman pull (own storage root), each into an empty store
#   run     berth run --rm IMAGE true on an unpacked image: bench/image-run.sh, as it is
# The image (BENCH_IMAGE_MB, about 200 MB of gzip layers) is built offline: big incompressible
# files, many small incompressible files, and copies of /usr (compressible, many names).
#
#   sudo bench/image.sh                                   # results in bench/results/image*.{json,md}
#   BENCH_OUT=/tmp/i BENCH_RUNS=3 BENCH_IMAGE_MB=50 BENCH_ONLY="unpack pull" bench/image.sh
#
# Knobs: BENCH_OUT (bench/results), BENCH_RUNS (10), BENCH_WARMUP (1), BENCH_RUN_RUNS (30, the
# run section's), BENCH_IMAGE_MB (200), BENCH_ONLY ("unpack pull run"), BENCH_NO_PODMAN=1,
# BENCH_NO_INSTALL=1, BENCH_BASE=DIR (another berth checkout, built, as a pull row of its own:
# before and after a change in one table). See bench/README.md ("image").
#
# Everything lives in one mktemp -d directory and a private mount namespace (podman's overlay
# mounts stay in it); the registry listens on 127.0.0.1 only and is stopped by its pid. No
# network or firewall setting of the host changes.
set -euo pipefail
repo=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
# a private mount namespace: podman's storage mounts go with it; crun (podman run) refuses cgroup
# "hybrid" mode, so /sys/fs/cgroup/unified is hidden there as run.sh does
if [ -z "${BENCH_IMAGE_NS:-}" ]; then
    export BENCH_IMAGE_NS=1
    # shellcheck disable=SC2016 # expanded by the inner sh
    exec unshare --mount --propagation private sh -c \
        '[ -z "$(cat /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null)" ] || umount /sys/fs/cgroup/unified; exec "$0" "$@"' \
        "$0" "$@"
fi
out=${BENCH_OUT:-$repo/bench/results}
runs=${BENCH_RUNS:-10}
warmup=${BENCH_WARMUP:-1}
run_runs=${BENCH_RUN_RUNS:-30}
image_mb=${BENCH_IMAGE_MB:-200}
only=${BENCH_ONLY:-unpack pull run}
# shellcheck source=bench/lib.sh
. "$repo/bench/lib.sh"

[ "$(id -u)" -eq 0 ] || die "run me as root: unpacking owners and podman need it"
for v in "$runs" "$warmup" "$run_runs" "$image_mb"; do
    case $v in '' | *[!0-9]*) die "BENCH_RUNS, BENCH_WARMUP, BENCH_RUN_RUNS, BENCH_IMAGE_MB: '$v' is not a number" ;; esac
done

work=$(mktemp -d /tmp/berth-bench-img.XXXXXX)
registry_pid=""
cleanup() {
    set +e
    [ -n "$registry_pid" ] && kill "$registry_pid" 2>/dev/null && wait "$registry_pid" 2>/dev/null
    [ -d "$work/podman" ] && podman --root "$work/podman/root" --runroot "$work/podman/run" \
        --storage-driver overlay system reset -f >/dev/null 2>&1
    # never rm -rf through a mount point
    awk -v w="$work/" 'index($5, w) == 1 { print $5 }' /proc/self/mountinfo | sort -r |
        while read -r m; do umount -l "$m"; done
    if awk -v w="$work/" 'index($5, w) == 1 { found = 1 } END { exit !found }' /proc/self/mountinfo; then
        log "mounts remain under $work; leaving it in place"
    else
        rm -rf --one-file-system "$work"
    fi
}
trap cleanup EXIT
mkdir -p "$out"
rm -f "$out"/image-unpack.* "$out"/image-pull.* "$out"/image-run.* "$out/image.md" "$out/image-machine.txt"

have hyperfine hyperfine || die "hyperfine is required"
peers=()
have umoci umoci && peers+=(umoci)
have skopeo skopeo && peers+=(skopeo)
have docker-registry docker-registry && peers+=(registry)
[ -z "${BENCH_NO_PODMAN:-}" ] && have podman podman && peers+=(podman)
peer() { [[ " ${peers[*]} " == *" $1 "* ]]; }
freeze_berth
java=$(cat "$dist/../java-home")/bin/java

# ---------------------------------------------------------------------------------------------
# The image: four gzip layers in an OCI layout, written by hand (tar, gzip, sha256sum)
case $(uname -m) in x86_64) arch=amd64 ;; aarch64) arch=arm64 ;; *) arch=$(uname -m) ;; esac
# BENCH_LAYOUT=DIR: the image is built there once and reused by later runs (it takes minutes)
layout=${BENCH_LAYOUT:-$work/layout}
ref=bench/big:latest
mb() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1e6 }'; }
build_image() {
    local d s n i ids config config_size ls manifest manifest_size diff_ids=() sizes=()
    mkdir -p "$layout/blobs/sha256" "$work/src"
    log "building a ~${image_mb} MB image (random files, small files, copies of /usr)"
    big_n=$((image_mb / 20))          # 10 MB files: ~half of the image
    small_n=$((image_mb * 10))        # 16 KiB files: ~15%
    usr_kb=$((image_mb * 1024))       # /usr content, ~3:1 with gzip: ~35%
    mkdir -p "$work/src/1/data" "$work/src/2/small" "$work/src/3" "$work/src/4/etc"
    for i in $(seq "$big_n"); do head -c 10M /dev/urandom >"$work/src/1/data/big-$i"; done
    head -c $((small_n * 16384)) /dev/urandom | split -b 16384 -a 4 - "$work/src/2/small/f-"
    find /usr/share /usr/lib -xdev -type f -size -4M -readable -printf '%s %p\n' 2>/dev/null >"$work/usr.list" || true
    LC_ALL=C sort -k2 "$work/usr.list" |
        awk -v max=$((usr_kb * 1024)) 'sum > max { next } { sum += $1; sub(/^[0-9]+ /, ""); print }' >"$work/usr.pick"
    tar --no-recursion -cf - -T "$work/usr.pick" 2>/dev/null | tar -xf - -C "$work/src/3"
    printf 'root:x:0:0:root:/root:/bin/sh\n' >"$work/src/4/etc/passwd"
    mkdir -p "$work/src/4/data" && : >"$work/src/4/data/.wh.big-1" # a whiteout, as real images have
    diff_ids=() layers=() sizes=() unpacked=0 packed=0
    for n in 1 2 3 4; do
        tar --sort=name --numeric-owner --owner=0 --group=0 -C "$work/src/$n" -cf "$work/layer.tar" .
        diff_ids+=("sha256:$(sha256sum "$work/layer.tar" | cut -d' ' -f1)")
        unpacked=$((unpacked + $(stat -c %s "$work/layer.tar")))
        gzip -n -6 "$work/layer.tar"
        d=$(sha256sum "$work/layer.tar.gz" | cut -d' ' -f1)
        s=$(stat -c %s "$work/layer.tar.gz")
        mv "$work/layer.tar.gz" "$layout/blobs/sha256/$d"
        layers+=("$d") sizes+=("$s")
        packed=$((packed + s))
    done
    rm -rf "$work/src"
    blob() { # file: moves it into the layout, prints its digest hex
        local d
        d=$(sha256sum "$1" | cut -d' ' -f1)
        mv "$1" "$layout/blobs/sha256/$d"
        echo "$d"
    }
    ids=$(printf '"%s",' "${diff_ids[@]}")
    printf '{"architecture":"%s","os":"linux","config":{"Env":["PATH=/usr/bin:/bin"],"Cmd":["/bin/sh"]},"rootfs":{"type":"layers","diff_ids":[%s]}}' \
        "$arch" "${ids%,}" >"$work/config.json"
    config_size=$(stat -c %s "$work/config.json")
    config=$(blob "$work/config.json")
    ls=""
    for i in 0 1 2 3; do
        ls+=$(printf '{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":%s},' "${layers[$i]}" "${sizes[$i]}")
    done
    printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[%s]}' \
        "$config" "$config_size" "${ls%,}" >"$work/manifest.json"
    manifest_size=$(stat -c %s "$work/manifest.json")
    manifest=$(blob "$work/manifest.json")
    printf '{"imageLayoutVersion":"1.0.0"}' >"$layout/oci-layout"
    printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"latest","io.containerd.image.name":"docker.io/%s"}}]}' \
        "$manifest" "$manifest_size" "$ref" >"$layout/index.json"
    printf 'packed_bytes\t%s\nunpacked_bytes\t%s\nlayers\t4\nlayer_digests\t%s\n' "$packed" "$unpacked" "${layers[*]}" \
        >"$layout/bench-image.tsv"
}
if [ -f "$layout/bench-image.tsv" ]; then
    log "reusing the image in $layout"
else
    build_image
fi
packed=$(awk -F'\t' '$1 == "packed_bytes" { print $2 }' "$layout/bench-image.tsv")
unpacked=$(awk -F'\t' '$1 == "unpacked_bytes" { print $2 }' "$layout/bench-image.tsv")
read -r -a layers <<<"$(awk -F'\t' '$1 == "layer_digests" { print $2 }' "$layout/bench-image.tsv")"
grep -v '^layer_digests' "$layout/bench-image.tsv" >"$out/image-size.tsv"
log "image: $(mb "$packed") MB of gzip layers, $(mb "$unpacked") MB of tar"
loads=()
load_mark() { loads+=("$1: $(cut -d' ' -f1-3 /proc/loadavg)"); }

# ---------------------------------------------------------------------------------------------
# unpack: from the image's gzip blobs to files on disk
if [[ " $only " == *" unpack "* ]]; then
    base=$work/unpack-base
    # berth: the image loaded once (blobs copied into the store, verified); each run then starts
    # from a hard-linked copy of that store with no layer unpacked and creates a container of it,
    # which unpacks the four layers (blob digest and diff_id checked) and makes the overlay dirs
    (cd "$layout" && tar -cf "$work/layout.tar" --exclude ./bench-image.tsv .)
    "$berth" --root "$base" load -q -i "$work/layout.tar" >/dev/null
    # every run starts with nothing left to write back from the one before (sync: untimed)
    fresh="rm -rf $work/u && cp -al $base $work/u && sync"
    # the same command on a store whose layers are there: what create costs beyond the unpack
    rm -rf "$work/u2" && cp -al "$base" "$work/u2"
    "$berth" --root "$work/u2" create --network none --name warm "$ref" true >/dev/null
    rm -rf "$work/u2/containers"
    args=(-n "berth create (unpacks 4 layers)" --prepare "sh -c '$fresh'" "$berth --root $work/u create --network none $ref true"
        -n "berth create, layers already unpacked" --prepare "sh -c 'rm -rf $work/u2/containers; sync'" "$berth --root $work/u2 create --network none $ref true")
    peer umoci && args+=(-n "umoci unpack" --prepare "sh -c 'rm -rf $work/bundle; sync'" "umoci unpack --image $layout:latest $work/bundle")
    # copying the blobs, verified, without unpacking: berth load of the layout (as a tar) beside
    # skopeo's copy of the layout directory to a dir: directory
    args+=(-n "berth load (blobs into the store, no unpack)" --prepare "sh -c 'rm -rf $work/l; sync'" "$berth --root $work/l load -q -i $work/layout.tar")
    peer skopeo && args+=(-n "skopeo copy oci: dir: (no unpack)" --prepare "sh -c 'rm -rf $work/dir; sync'" "skopeo copy --quiet oci:$layout:latest dir:$work/dir")
    tarx="mkdir $work/tarx"
    for l in "${layers[@]}"; do tarx+=" && tar -xzf $layout/blobs/sha256/$l -C $work/tarx"; done
    args+=(-n "tar -xzf of the 4 layers (floor)" --prepare "sh -c 'rm -rf $work/tarx; sync'" "sh -c '$tarx'")
    sync
    load_mark "unpack, before"
    hyperfine --style basic --runs "$runs" --warmup "$warmup" --export-json "$out/image-unpack.json" \
        --export-markdown "$out/image-unpack.md" "${args[@]}" | tee "$out/image-unpack.txt" >&2
    load_mark "unpack, after"
    rm -rf "$work/u" "$work/u2" "$work/bundle" "$work/dir" "$work/tarx" "$work/l" "$work/layout.tar"
fi

# ---------------------------------------------------------------------------------------------
# pull: the image from a docker-registry on 127.0.0.1 into an empty store
if [[ " $only " == *" pull "* ]] && peer registry && peer skopeo; then
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    mkdir -p "$work/registry"
    cat >"$work/registry/config.yml" <<EOF
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $work/registry/storage
http:
  addr: 127.0.0.1:$port
  secret: berth-bench
EOF
    docker-registry serve "$work/registry/config.yml" >"$work/registry/log" 2>&1 &
    registry_pid=$!
    for _ in $(seq 100); do
        curl -sf "http://127.0.0.1:$port/v2/" >/dev/null 2>&1 && break
        kill -0 "$registry_pid" 2>/dev/null || die "docker-registry exited: $(tail -3 "$work/registry/log")"
        sleep 0.1
    done
    name=127.0.0.1:$port/$ref
    skopeo copy --quiet --dest-tls-verify=false "oci:$layout:latest" "docker://$name"
    pm="podman --root $work/podman/root --runroot $work/podman/run --tmpdir $work/podman/tmp --storage-driver overlay --cgroup-manager cgroupfs --events-backend file"
    args=(-n "berth pull" --prepare "sh -c 'rm -rf $work/p; sync'" "$berth --root $work/p pull -q $name")
    # BENCH_BASE=DIR: a second berth (a checkout built with bin/build) in the same table, before/after
    [ -n "${BENCH_BASE:-}" ] && args+=(-n "berth pull (base: $BENCH_BASE)" --prepare "sh -c 'rm -rf $work/pb; sync'"
        "env -u BERTH_STAGE $BENCH_BASE/bin/berth --root $work/pb pull -q $name")
    args+=(
        -n "skopeo copy docker: oci: (no unpack)" --prepare "sh -c 'rm -rf $work/o; sync'" "skopeo copy --quiet --src-tls-verify=false docker://$name oci:$work/o:latest")
    peer podman && args+=(-n "podman pull (overlay, unpacks)" --prepare "sh -c '$pm rmi -af >/dev/null 2>&1; sync'" "$pm pull -q --tls-verify=false $name")
    sync
    load_mark "pull, before"
    hyperfine --style basic --runs "$runs" --warmup "$warmup" --export-json "$out/image-pull.json" \
        --export-markdown "$out/image-pull.md" "${args[@]}" | tee "$out/image-pull.txt" >&2
    load_mark "pull, after"
    rm -rf "$work/p" "$work/pb" "$work/o"
fi

# ---------------------------------------------------------------------------------------------
# run: an image whose layers are unpacked (bench/image-run.sh, with the frozen berth)
if [[ " $only " == *" run "* ]]; then
    sync
    load_mark "run, before"
    BENCH_OUT=$out BENCH_RUNS=$run_runs BENCH_BERTH=$berth BENCH_NO_PODMAN=${BENCH_NO_PODMAN:-} \
        "$repo/bench/image-run.sh" >&2
    load_mark "run, after"
fi

{
    machine_lines "$java"
    echo "image: $(mb "$packed") MB gzip, $(mb "$unpacked") MB tar, 4 layers"
    printf 'load: %s\n' "${loads[@]}"
} >"$out/image-machine.txt"
python3 "$repo/bench/src/image_summary.py" "$out" >"$out/image.md"
cat "$out/image.md"
