#!/bin/sh
# bench/jmh.sh [JMH ARGS...]: builds berth and runs the JMH benchmarks of its Java hot paths
# (spec-to-program compilation, state store reads, JSON). No root needed.
#   bench/jmh.sh                          # all of them, about 4 minutes
#   bench/jmh.sh StoreBenchmark -p containers=100 -rf json -rff /tmp/jmh.json
set -eu
repo=$(cd "$(dirname "$0")/.." && pwd)
. "$repo/bin/lib/java.sh"
JAVA_HOME=$(berth_find_jdk) || { echo "bench/jmh.sh: no JDK >= 25 found" >&2; exit 1; }
export JAVA_HOME
export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
(cd "$repo" && ./mvnw -q -B -DskipTests package)
jmh="$repo/bench/jmh/target"
exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED \
    -cp "$jmh/berth-bench-jmh-0.1.0-SNAPSHOT.jar:$jmh/lib/*" org.openjdk.jmh.Main "$@"
