#!/usr/bin/env bash
# virtfx img convert vs qemu-img convert on a 2 GiB image with mixed data and holes:
#   qcow2 -> raw, raw -> qcow2, raw -> compressed qcow2. Prints wall times and ratios (virtfx / qemu-img; < 1 = faster).
# qemu-img convert's default target cache mode is "unsafe" (no fsync at the end) while virtfx's default leaves a
# durable target (one fsync at the end), so both pairs are timed: qemu-img vs virtfx -t unsafe, and
# qemu-img -t writeback vs virtfx. Each case runs REPEAT times (default 3);
# the tools take turns, and the median wall time and the median CPU time (user+sys, which other jobs on a shared machine disturb far less than
# the wall time) are shown. virtfx times include the JVM start, shown on the "jvm start" line (`virtfx img info`).
# Then the block-layer throughput (bench/storage-bench.sh: sequential 1 MiB and random 4 KiB, qcow2 vs raw) runs
# with the same size, and `qemu-img bench` gives QEMU's sequential 1 MiB figures for the same formats.
# Usage: bench/convert-bench.sh [WORKDIR]   (VIRTFX=path/to/virtfx to use another launcher; SIZE_MIB=2048, REPEAT=3;
#        ONLY="qcow2->raw,raw->qcow2" runs just those conversions; BLOCK=0 skips the block-layer part)
set -euo pipefail
ROOT="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
VIRTFX="${VIRTFX:-$ROOT/virtfx}"
WORK="${1:-$(mktemp -d /tmp/virtfx-convert-bench.XXXXXX)}"
SIZE_MIB="${SIZE_MIB:-2048}"
REPEAT="${REPEAT:-3}"
command -v qemu-img >/dev/null || { echo "qemu-img is needed (Debian package qemu-utils)" >&2; exit 1; }
mkdir -p "$WORK"
SRC="$WORK/src.raw"

# Source: per 8 MiB stripe, 2 MiB random data, 2 MiB compressible text, 1 MiB written zeros, 3 MiB hole.
echo "preparing ${SIZE_MIB} MiB source in $WORK ..."
rm -f "$SRC"
truncate -s "${SIZE_MIB}M" "$SRC"
head -c $((2 << 20)) /dev/urandom > "$WORK/rand.bin"
{ yes "VirtFX convert benchmark: compressible log line $(date +%s)" || true; } | head -c $((2 << 20)) > "$WORK/text.bin"
for ((s = 0; s < SIZE_MIB / 8; s++)); do
  base=$((s * 8))
  dd if="$WORK/rand.bin" of="$SRC" bs=1M seek=$base conv=notrunc status=none
  dd if="$WORK/text.bin" of="$SRC" bs=1M seek=$((base + 2)) conv=notrunc status=none
  dd if=/dev/zero of="$SRC" bs=1M seek=$((base + 4)) count=1 conv=notrunc status=none
done
sync
qemu-img convert -O qcow2 "$SRC" "$WORK/src.qcow2"
# warm the page cache so both tools read from memory
cat "$SRC" "$WORK/src.qcow2" > /dev/null
"$VIRTFX" img info "$WORK/src.qcow2" > /dev/null

now() { date +%s.%N; }
median() { sort -n | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
declare -A W C
once() { # name tool args...   (one timed run: wall time appended to W[name], CPU time user+sys to C[name])
  local name=$1; shift
  rm -f "$WORK/out"*
  # the previous target's dirty pages must not be written back during this run (either tool would pay for them)
  sync
  /usr/bin/time -f "%e %U %S" -o "$WORK/time.txt" "$@" > /dev/null
  read -r e u s < <(tail -n1 "$WORK/time.txt")
  W[$name]+="$e"$'\n'; C[$name]+="$(awk -v u="$u" -v s="$s" 'BEGIN{printf "%.2f", u+s}')"$'\n'
}
wall() { printf '%s' "${W[$1]}" | median; }
cpu() { printf '%s' "${C[$1]}" | median; }
for ((r = 0; r < REPEAT; r++)); do once jvm "$VIRTFX" img info "$WORK/text.bin"; done
echo "jvm start (virtfx img info): $(wall jvm) s wall, $(cpu jvm) s CPU"
cases=("qcow2->raw|-f qcow2 -O raw $WORK/src.qcow2 $WORK/out.raw"
       "raw->qcow2|-f raw -O qcow2 $SRC $WORK/out.qcow2"
       "raw->qcow2 -c|-c -f raw -O qcow2 $SRC $WORK/out.qcow2")
echo "median of $REPEAT runs; wall s and CPU s (user+sys); ratio = virtfx / qemu-img (< 1: virtfx faster)"
echo "unsafe: no flush at the end (qemu-img's default, virtfx -t unsafe); wb: one flush (qemu-img -t writeback, virtfx's default)"
printf '%-14s %8s %8s %8s %8s %7s %7s | %8s %8s %7s\n' "conversion" "qemu" "q-cpu" "virtfx" "v-cpu" "ratio" "cpu-rat" \
  "qemu-wb" "virtfx" "ratio"
for c in "${cases[@]}"; do
  name=${c%%|*}; args=${c#*|}
  if [[ -n "${ONLY:-}" && ",$ONLY," != *",$name,"* ]]; then
    continue
  fi
  # the tools take turns, so that slow phases of the machine (see the README) fall on both alike
  for ((r = 0; r < REPEAT; r++)); do
    # shellcheck disable=SC2086
    once "q:$name" qemu-img convert $args
    # shellcheck disable=SC2086
    once "u:$name" "$VIRTFX" img convert -t unsafe $args
    # shellcheck disable=SC2086
    once "w:$name" qemu-img convert -t writeback $args
    # shellcheck disable=SC2086
    once "v:$name" "$VIRTFX" img convert $args
  done
  # the result must be right, not only fast
  out=$(ls "$WORK"/out.*)
  qemu-img compare -q "$SRC" "$out" || { echo "MISMATCH in $name" >&2; exit 1; }
  q=$(wall "q:$name"); u=$(wall "u:$name"); w=$(wall "w:$name"); v=$(wall "v:$name")
  qc=$(cpu "q:$name"); uc=$(cpu "u:$name")
  printf '%-14s %8.2f %8.2f %8.2f %8.2f %7.2f %7.2f | %8.2f %8.2f %7.2f\n' "$name" "$q" "$qc" "$u" "$uc" \
    "$(awk -v a="$u" -v b="$q" 'BEGIN{printf "%.3f", a/b}')" "$(awk -v a="$uc" -v b="$qc" 'BEGIN{printf "%.3f", a/(b > 0 ? b : 0.01)}')" \
    "$w" "$v" "$(awk -v a="$v" -v b="$w" 'BEGIN{printf "%.3f", a/b}')"
done
rm -f "$WORK"/out* "$WORK/rand.bin" "$WORK/text.bin"

if [[ "${BLOCK:-1}" == 0 ]]; then
  exit 0
fi
echo
echo "block layer, ${SIZE_MIB} MiB images (VirtFX):"
"$ROOT/bench/storage-bench.sh" "$SIZE_MIB" 20000 "$WORK"
echo
echo "qemu-img bench -t writeback, sequential 1 MiB, ${SIZE_MIB} MiB images (QEMU):"
for fmt in raw qcow2; do
  rm -f "$WORK/qb.$fmt"
  qemu-img create -q -f "$fmt" "$WORK/qb.$fmt" "${SIZE_MIB}M"
  for mode in write read; do
    flag=(); [[ $mode == write ]] && flag=(-w)
    t0=$(now)
    qemu-img bench -q "${flag[@]}" -t writeback -f "$fmt" -s 1M -c "$SIZE_MIB" -d 8 "$WORK/qb.$fmt"
    t1=$(now)
    printf '%-8s seq %-5s 1M %10.1f MiB/s\n' "$fmt" "$mode" "$(awk -v a="$t1" -v b="$t0" -v n="$SIZE_MIB" 'BEGIN{printf "%.1f", n/(a-b)}')"
  done
  rm -f "$WORK/qb.$fmt"
done
echo "(files kept in $WORK; remove with: rm -r $WORK)"
