#!/usr/bin/env bash
# Screenshots of the desktop app for the README: the manager window and the demo machine's console booted to its
# shell, on the real PC board, under Xvfb with JavaFX's GTK glass (not Monocle). Usage: bench/screenshots.sh [OUTDIR]
# (default docs/screenshots). Needs xvfb-run and the guest fixtures (./virtfx guests fetch); takes a guest boot
# (1-3 minutes on the software CPU).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="$(realpath -m "${1:-docs/screenshots}")"
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
command -v xvfb-run >/dev/null || { echo "screenshots: needs xvfb-run (apt-get install xvfb)" >&2; exit 1; }
# One reactor run, so every module resolves to its target/classes; the last classpath written is the gui module's.
mvn -B -q -o -pl engine,resources,console-viewer,gui -DskipTests test-compile dependency:build-classpath \
  -Dmdep.outputFile="$PWD/gui/target/screenshots-cp.txt" -Dmdep.includeScope=test >/dev/null
CP="gui/target/test-classes:gui/target/classes:console-viewer/target/classes:resources/target/classes:engine/target/classes:$(cat gui/target/screenshots-cp.txt)"
xvfb-run -a -s "-screen 0 1280x1024x24" "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Dprism.order=sw \
  -cp "$CP" org.virtfx.gui.ScreenshotHarness "$OUT"
