# Shared by bin/berth, bin/build and .ci/run: print the home of a JDK >= 25.
berth_jdk_major() {
    # JAVA_VERSION="25.0.3" in the release file of every JDK since 9
    sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release" 2>/dev/null
}

berth_find_jdk() {
    for candidate in "${BERTH_JAVA_HOME:-}" "${JAVA_HOME:-}" /usr/lib/jvm/*; do
        [ -n "$candidate" ] && [ -x "$candidate/bin/java" ] || continue
        major=$(berth_jdk_major "$candidate")
        if [ -n "$major" ] && [ "$major" -ge 25 ]; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}
