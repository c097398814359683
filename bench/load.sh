#!/bin/bash
# The full load run of issue 10: LoadTest with 200 concurrent `berth run --rm` (network none),
# all alive at once, then a bridged batch of a quarter of that in the test's own network
# namespace. CI runs the same test with 100 (and 25). As root, from the repository. Knobs:
# BENCH_LOAD_RUNS (200). It needs about 35 MB of memory per run while they are all alive.
set -euo pipefail
repo=$(dirname "$(dirname "$(readlink -f "$0")")")
. "$repo/bin/lib/java.sh"
JAVA_HOME=$(berth_find_jdk) || { echo "bench: no JDK >= 25 under /usr/lib/jvm" >&2; exit 1; }
export JAVA_HOME
export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
cd "$repo"
./mvnw -B -ntp -q verify -pl native,cli -am -Dtest=LoadTest -Dsurefire.failIfNoSpecifiedTests=false \
    -Dberth.load.runs="${BENCH_LOAD_RUNS:-200}"
grep -h "testcase" cli/target/surefire-reports/TEST-dev.berth.cli.it.LoadTest.xml
