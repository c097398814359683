#!/bin/sh
# berth daemon on the socket given last, with a fresh state root beside it (for measure.py)
sock=$1
root=$sock.root
exec ${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC \
    --enable-native-access=ALL-UNNAMED -cp "$(dirname "$0")/../../cli/target/berth/lib/*" dev.berth.cli.Main \
    daemon -H "unix://$sock" --root "$root"
