#!/usr/bin/env bash
# Guest writes into video memory: boots engine/src/test/nasm/vga-lfb-fill.asm as the firmware and prints how long
# each phase took (ITER full 1024x768x32 frames each: rep stosd / rep movsd / store loop into the linear framebuffer,
# rep stosd through the banked 0xA0000 window), in ms per frame.
#   bench/vga-fill-bench.sh [ITER]     (default 8)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
ITER="${1:-8}"
T="$(mktemp -d)"; trap 'rm -rf "$T"' EXIT
N="$ROOT/engine/src/test/nasm"
nasm -f bin -DITER="$ITER" -o "$T/fill.bin" "$N/vga-lfb-fill.asm"
nasm -f bin -I "$N/" -DBOOT_SECTOR="\"$T/fill.bin\"" -o "$T/bios.bin" "$N/vga-bios-stub.asm"
"$ROOT/virtfx" --version >/dev/null   # build first, so the build is not measured
"$ROOT/virtfx" run -m 32M --bios "$T/bios.bin" --serial stdio --expect-serial DONE --timeout 600 </dev/null \
  | while IFS= read -r line; do echo "$(date +%s.%N) $line"; done > "$T/log"
awk -v it="$ITER" '
  $2 == "R" { prev = $1; next }
  $2 == "S" || $2 == "M" || $2 == "L" || $2 == "B" {
    t = prev
    name = $2 == "S" ? "rep stosd to LFB" : $2 == "M" ? "rep movsd RAM->LFB" : $2 == "L" ? "store loop to LFB" : "rep stosd via banked A0000 window"
    printf "%-36s %9.1f ms/frame\n", name, ($1 - t) * 1000 / it; prev = $1 }' "$T/log"
