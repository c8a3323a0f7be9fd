#!/usr/bin/env bash
# Time from `./virtfx` (already built) to the manager window shown, under Xvfb with GTK glass: the wall time until
# the app reports its first manager frame (-Dvirtfx.timing=true), RUNS times (default 3), in a scratch home (the
# first run creates the demo machine, as a user's first start does). Usage: bench/gui-startup.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${1:-3}"
command -v Xvfb >/dev/null || { echo "gui-startup: needs Xvfb (apt-get install xvfb)" >&2; exit 1; }
[[ -f gui/target/classpath.txt ]] || { echo "gui-startup: build first (./virtfx --help, or mvn -pl gui -am package)" >&2; exit 1; }
SCRATCH="$(mktemp -d)"
export VIRTFX_GUESTS="${VIRTFX_GUESTS:-$HOME/.cache/virtfx/guests}"   # the scratch home below must not refetch them
DISPLAY_NUM=$(( 90 + RANDOM % 100 ))
Xvfb ":$DISPLAY_NUM" -screen 0 1280x1024x24 -nolisten tcp >/dev/null 2>&1 &
XVFB=$!
APP=""
cleanup() { [[ -n "$APP" ]] && kill "$APP" 2>/dev/null || true; kill "$XVFB" 2>/dev/null || true; rm -rf "$SCRATCH"; }
trap cleanup EXIT
sleep 1
for i in $(seq 1 "$RUNS"); do
  LOG="$SCRATCH/run-$i.log"
  t0=$(date +%s%N)
  HOME="$SCRATCH/home" XDG_DATA_HOME="$SCRATCH/data" XDG_CONFIG_HOME="$SCRATCH/config" DISPLAY=":$DISPLAY_NUM" \
    VIRTFX_JAVA_OPTS="-Dvirtfx.timing=true -Dprism.order=sw" ./virtfx >"$LOG" 2>&1 &
  APP=$!
  until grep -q "manager window shown" "$LOG"; do
    if ! kill -0 "$APP" 2>/dev/null; then echo "gui-startup: the app ended early:" >&2; cat "$LOG" >&2; exit 1; fi
    sleep 0.02
  done
  t1=$(date +%s%N)
  echo "run $i: ./virtfx to manager window $(( (t1 - t0) / 1000000 )) ms ($(grep -o 'shown [0-9]* ms after JVM start' "$LOG"))"
  kill "$APP"; wait "$APP" 2>/dev/null || true; APP=""
done
