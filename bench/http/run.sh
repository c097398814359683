#!/bin/sh
# Compares HTTP layers for berth daemon (docs/daemon.md): time to the first answered /_ping and
# RSS, same JVM and flags. Needs the jetty jars in $JETTY (mvn dependency:copy-dependencies of
# org.eclipse.jetty:jetty-unixdomain-server) and a built berth (bin/build).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
java=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java
runs=${RUNS:-10}
out=$(mktemp -d)
"${java}c" -d "$out/own" -cp "$repo/cli/target/berth/lib/*" "$here/OwnPing.java"
"${java}c" -d "$out/jetty" -cp "$JETTY/*" "$here/JettyPing.java"
flags="-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"
python3 "$here/measure.py" "$runs" own -- $java $flags -cp "$out/own:$repo/cli/target/berth/lib/*" OwnPing
python3 "$here/measure.py" "$runs" jetty -- $java $flags -cp "$out/jetty:$JETTY/*" JettyPing
rm -rf "$out"
# the real thing, engine and all, with a fresh root per run
python3 "$here/measure.py" "$runs" daemon -- "$here/daemon.sh"
rm -rf /tmp/hb-*.sock.root
