#!/bin/bash
# usage: vs.sh ROUNDS DIST...: per round hyperfine crun run + unshare (private mount ns without
# the v2 hierarchy, as bench/run.sh), then WarmStart (200 runs, 20 warm-ups) of each dist
R=$1; shift
J=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
export BERTH_CGROUP_PARENT=/berth-warm12b BERTH_DEFAULT_NETWORK=none
for i in $(seq 1 $R); do
  echo "round $i load $(cut -d' ' -f1 /proc/loadavg)"
  unshare --mount --propagation private sh -c 'umount /sys/fs/cgroup/unified && exec "$@"' sh \
    hyperfine -N --warmup 3 --runs 40 --export-json /tmp/berth-warm12b-vs/hf-$i.json \
      /tmp/berth-warm12b-vs/crun-run 'unshare --fork --pid --mount-proc --mount --uts --ipc --net /bin/true' >/dev/null 2>&1
  python3 -c "
import json,statistics
for r in json.load(open('/tmp/berth-warm12b-vs/hf-$i.json'))['results']:
    print('  %-20s median %.2f ms' % (r['command'].split('/')[-1][:20], statistics.median(r['times'])*1000))"
  for d in "$@"; do
    rm -rf /tmp/berth-warm12b-vsstate
    printf '  %-20s load %s: ' "$(basename $d)" "$(cut -d' ' -f1 /proc/loadavg)"
    $J --enable-native-access=ALL-UNNAMED --class-path "$d/lib/*" /work/wt-warm12b/bench/src/WarmStart.java /tmp/berth-warm12b-vsstate /tmp/berth-warm12b-rootfs 200 20 | sed 's/.*warm-ups (0 failed): //'
  done
done
rm -rf /tmp/berth-warm12b-vsstate
