#!/usr/bin/env bash
# Measures the host CPU an idle guest costs: boots a fixture guest to its shell, waits for it to settle,
# then samples the VirtFX process's CPU time over a window and prints the percentage of one host core.
#   bench/idle-cpu.sh [SECONDS] [CPUS] [ARCH]     (defaults: 20 s, 1 vCPU, i386; ARCH i386 or amd64)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WINDOW="${1:-20}"
CPUS="${2:-1}"
ARCH="${3:-i386}"
G="${VIRTFX_GUESTS:-$HOME/.cache/virtfx/guests}"
[[ -f "$G/$ARCH/vmlinuz" ]] || "$ROOT/virtfx" guests fetch
"$ROOT/virtfx" --version >/dev/null   # build first, so the build is not measured
LOG="$(mktemp)"
FIFO="$(mktemp -u)"; mkfifo "$FIFO"
# Keep the guest's stdin open (and empty) for the whole run.
sleep $((WINDOW + 600)) > "$FIFO" &
KEEP=$!
"$ROOT/virtfx" run --memory 256M --cpus "$CPUS" --kernel "$G/$ARCH/vmlinuz" --initrd "$G/$ARCH/initramfs.cpio" \
  --append "console=ttyS0 cryptomgr.notests" --serial stdio < "$FIFO" > "$LOG" 2>&1 &
PID=$!
trap 'kill $PID $KEEP 2>/dev/null || true; rm -f "$FIFO"' EXIT
for _ in $(seq 1 600); do grep -q VIRTFX-GUEST-READY "$LOG" && break; kill -0 $PID 2>/dev/null || { cat "$LOG"; exit 1; }; sleep 1; done
grep -q VIRTFX-GUEST-READY "$LOG" || { echo "guest did not boot within 600 s"; exit 1; }
JPID=$(pgrep -P $PID java || echo $PID)
sleep 5   # let the shell settle
TCK=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$JPID/stat"; }
A=$(cpu); T0=$(date +%s.%N)
sleep "$WINDOW"
B=$(cpu); T1=$(date +%s.%N)
awk -v arch="$ARCH" -v cpus="$CPUS" -v a="$A" -v b="$B" -v t0="$T0" -v t1="$T1" -v hz="$TCK" \
  'BEGIN { printf "idle " arch " guest (%d vCPUs) at its shell: %.2f%% of one host core over %.1f s\n", cpus, 100 * (b - a) / hz / (t1 - t0), t1 - t0 }'
