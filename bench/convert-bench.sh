#!/usr/bin/env bash
# virtfx img convert vs qemu-img convert on a 2 GiB image with mixed data and holes:
#   qcow2 -> raw, raw -> qcow2, raw -> compressed qcow2. Prints wall times and ratios (virtfx / qemu-img; < 1 = faster).
# qemu-img convert's default target cache mode is "unsafe" (no fsync at the end) while virtfx always leaves a durable
# target (fsync on close; qcow2 also orders metadata with fdatasync), so qemu-img -t writeback is timed as well.
# Usage: bench/convert-bench.sh [WORKDIR]   (VIRTFX=path/to/virtfx to use another launcher; SIZE_MIB=2048 by default)
set -euo pipefail
ROOT="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
VIRTFX="${VIRTFX:-$ROOT/virtfx}"
WORK="${1:-$(mktemp -d /tmp/virtfx-convert-bench.XXXXXX)}"
SIZE_MIB="${SIZE_MIB:-2048}"
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
declare -A T
run() { # name tool args...
  local name=$1; shift
  rm -f "$WORK/out"*
  local t0 t1
  t0=$(now); "$@" > /dev/null; t1=$(now)
  T[$name]=$(awk -v a="$t1" -v b="$t0" 'BEGIN{printf "%.3f", a-b}')
}
cases=("qcow2->raw|-f qcow2 -O raw $WORK/src.qcow2 $WORK/out.raw"
       "raw->qcow2|-f raw -O qcow2 $SRC $WORK/out.qcow2"
       "raw->qcow2 -c|-c -f raw -O qcow2 $SRC $WORK/out.qcow2")
printf '%-16s %12s %14s %10s %8s %10s\n' "conversion" "qemu-img s" "qemu -t wb s" "virtfx s" "ratio" "ratio(wb)"
for c in "${cases[@]}"; do
  name=${c%%|*}; args=${c#*|}
  # shellcheck disable=SC2086
  run "q:$name" qemu-img convert $args
  # shellcheck disable=SC2086
  run "w:$name" qemu-img convert -t writeback $args
  # shellcheck disable=SC2086
  run "v:$name" "$VIRTFX" img convert $args
  # the result must be right, not only fast
  out=$(ls "$WORK"/out.*)
  qemu-img compare -q "$SRC" "$out" || { echo "MISMATCH in $name" >&2; exit 1; }
  q=${T[q:$name]}; w=${T[w:$name]}; v=${T[v:$name]}
  printf '%-16s %12.2f %14.2f %10.2f %8.2f %10.2f\n' "$name" "$q" "$w" "$v" \
    "$(awk -v a="$v" -v b="$q" 'BEGIN{printf "%.3f", a/b}')" "$(awk -v a="$v" -v b="$w" 'BEGIN{printf "%.3f", a/b}')"
done
rm -f "$WORK"/out* "$WORK/rand.bin" "$WORK/text.bin"
echo "(files kept in $WORK; remove with: rm -r $WORK)"
