#!/bin/sh
# usage: rr.sh ROUNDS DIST...: per round WarmStart of each dist (200 runs, 20 warm-ups), medians
R=$1; shift
J=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
export BERTH_CGROUP_PARENT=/berth-warm12b BERTH_DEFAULT_NETWORK=none
for i in $(seq 1 $R); do
  for d in "$@"; do
    name=${d%%:*}; envs=${d#*:}; [ "$envs" = "$d" ] && envs=
    rm -rf /tmp/berth-warm12b-rr
    printf 'round %s %-8s load %s: ' "$i" "$name" "$(cut -d' ' -f1 /proc/loadavg)"
    env $envs $J --enable-native-access=ALL-UNNAMED --class-path "/tmp/berth-warm12b-dist-${name%+*}/lib/*" /work/wt-warm12b/bench/src/WarmStart.java /tmp/berth-warm12b-rr /tmp/berth-warm12b-rootfs 200 20 | sed 's/.*warm-ups (0 failed): //'
  done
done
rm -rf /tmp/berth-warm12b-rr
