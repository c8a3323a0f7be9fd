#!/usr/bin/env bash
# FX-thread time per console frame: a 1920x1080 guest screen repainted in full at 60 Hz (args: W H SECONDS).
# Runs under Xvfb (GTK glass, software Prism) when xvfb-run exists, else headless Monocle.
set -euo pipefail
cd "$(dirname "$0")/.."
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
# One reactor run, so engine and resources resolve to their target/classes; the last module written is console-viewer.
mvn -B -q -o -pl engine,resources,console-viewer -DskipTests test-compile dependency:build-classpath \
  -Dmdep.outputFile="$PWD/console-viewer/target/bench-cp.txt" -Dmdep.includeScope=test >/dev/null
CP="console-viewer/target/test-classes:console-viewer/target/classes:$(cat console-viewer/target/bench-cp.txt)"
if command -v xvfb-run >/dev/null; then
  xvfb-run -a -s "-screen 0 2048x1200x24" "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Dprism.order=sw \
    -cp "$CP" org.virtfx.console.ConsoleFrameBench "$@"
else
  "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Dprism.order=sw -Dglass.platform=Monocle -Dmonocle.platform=Headless \
    -cp "$CP" org.virtfx.console.ConsoleFrameBench "$@"
fi
