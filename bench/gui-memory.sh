#!/usr/bin/env bash
# Memory of the desktop app with one idle machine: the manager window and the demo machine on the real PC board,
# left SECONDS (default 240, enough to boot to its shell and idle) under Xvfb; prints the process RSS, the guest RAM
# in use (pages the guest wrote) and the heap. RSS minus guest RAM in use is the app's own memory.
# Usage: bench/gui-memory.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_UP="${1:-240}"
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
command -v xvfb-run >/dev/null || { echo "gui-memory: needs xvfb-run (apt-get install xvfb)" >&2; exit 1; }
mvn -B -q -o -pl engine,resources,console-viewer,gui -DskipTests test-compile dependency:build-classpath \
  -Dmdep.outputFile="$PWD/gui/target/harness-cp.txt" -Dmdep.includeScope=test >/dev/null
CP="gui/target/test-classes:gui/target/classes:console-viewer/target/classes:resources/target/classes:engine/target/classes:$(cat gui/target/harness-cp.txt)"
LOG="$(mktemp)"
# Its own process group, so that the harness (which waits to be stopped) ends with xvfb-run and its Xvfb.
setsid xvfb-run -a -s "-screen 0 1280x1024x24" "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Dprism.order=sw \
  -XX:+UseParallelGC -Dharness.real=true -Dharness.seconds="$SECONDS_UP" -cp "$CP" org.virtfx.gui.GuiDemoHarness idle >"$LOG" 2>&1 &
RUN=$!
trap 'kill -- -$RUN 2>/dev/null || true; rm -f "$LOG"' EXIT
until grep -q "harness ready" "$LOG"; do
  kill -0 "$RUN" 2>/dev/null || { cat "$LOG" >&2; exit 1; }
  sleep 1
done
grep "^harness" "$LOG" | grep -v ready
