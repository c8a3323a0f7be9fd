#!/usr/bin/env bash
# The console on real HiDPI output (Xvfb, GTK glass, -Dglass.gtk.uiScale): a checkerboard of single guest pixels must
# come out of the screen as pure black and white blocks at output scales 1.25, 1.5 and 2 (args: scales to try).
set -euo pipefail
cd "$(dirname "$0")/.."
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
command -v xvfb-run >/dev/null || { echo "hidpi-check: needs xvfb-run (apt-get install xvfb)" >&2; exit 1; }
mvn -B -q -o -pl engine,resources,console-viewer -DskipTests test-compile dependency:build-classpath \
  -Dmdep.outputFile="$PWD/console-viewer/target/bench-cp.txt" -Dmdep.includeScope=test >/dev/null 2>&1
CP="console-viewer/target/test-classes:console-viewer/target/classes:$(cat console-viewer/target/bench-cp.txt)"
SCALES=("$@")
(( ${#SCALES[@]} )) || SCALES=(1.25 1.5 2)
status=0
for scale in "${SCALES[@]}"; do
  for mode in NEVER ALWAYS; do
    xvfb-run -a -s "-screen 0 1600x1200x24" "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Dprism.order=sw \
      -Dglass.gtk.uiScale="$scale" -cp "$CP" org.virtfx.console.GtkHiDpiCheck "$mode" 2>/dev/null || status=1
  done
done
exit $status
