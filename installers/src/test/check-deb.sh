#!/usr/bin/env bash
# Checks the VirtFX .deb without installing it: unpacks it into a scratch root, looks for the launcher, the desktop
# entry and the icon, and starts the launcher for a few seconds under Xvfb (when xvfb-run exists) to see it stay up.
set -euo pipefail
DIST="${1:?usage: check-deb.sh DIST_DIR}"
DEB="$(ls "$DIST"/virtfx_*.deb | head -n1)"
ROOT="$(mktemp -d)"
trap 'rm -rf "$ROOT"' EXIT
dpkg-deb -x "$DEB" "$ROOT"
fail() { echo "check-deb: $*" >&2; exit 1; }
[[ -x "$ROOT/opt/virtfx/bin/virtfx" ]] || fail "no launcher /opt/virtfx/bin/virtfx in $DEB"
DESKTOP="$(find "$ROOT/opt/virtfx/lib" -maxdepth 1 -type f -name '*.desktop' | head -n1)"
[[ -n "$DESKTOP" ]] || fail "no desktop entry in $DEB"
grep -q '^Exec=/opt/virtfx/bin/virtfx' "$DESKTOP" || fail "desktop entry $DESKTOP does not start /opt/virtfx/bin/virtfx"
[[ -f "$ROOT/opt/virtfx/lib/virtfx.png" ]] || fail "no icon /opt/virtfx/lib/virtfx.png in $DEB"
dpkg-deb -f "$DEB" Depends | grep -q libgtk-3-0 || fail "Depends lacks libgtk-3-0"
echo "check-deb: $DEB has launcher, $(basename "$DESKTOP") and icon"
if command -v xvfb-run >/dev/null; then
  export HOME="$ROOT/home" XDG_DATA_HOME="$ROOT/home/data" XDG_CONFIG_HOME="$ROOT/home/config"
  mkdir -p "$HOME"
  LOG="$ROOT/launch.log"
  set +e
  timeout 25 xvfb-run -a "$ROOT/opt/virtfx/bin/virtfx" >"$LOG" 2>&1
  rc=$?
  set -e
  # 124 = still running when timeout stopped it: the app started and stayed up.
  [[ $rc -eq 124 ]] || { cat "$LOG" >&2; fail "the launcher exited with status $rc"; }
  grep -q -E 'Exception|Error:' "$LOG" && { cat "$LOG" >&2; fail "the launcher printed errors"; }
  echo "check-deb: the launcher started the app and it stayed up"
fi
