#!/usr/bin/env bash
# CPU speed comparison: VirtFX's software CPU against qemu-system-i386 -accel tcg, one run each.
#
# Until the PC board can boot the i386 guest, this runs the bare-metal speed loop engine/src/test/asm/mips.asm
# (32-bit protected mode with paging; ALU, load/store and branches) on both: in VirtFX on the CPU test board,
# in QEMU from a floppy whose boot sector loads it to 1000:0000, the same start state. Both print the loop's
# checksum on the serial port (it must match) and leave through isa-debug-exit. Prints both times, the ratio,
# and VirtFX guest MIPS. Needs nasm, qemu-system-i386 and a built engine (mvn -pl engine test-compile).
#   bench/boot-i386.sh [ITERATIONS]      (default 20000000 loop iterations = 200 M instructions)
set -euo pipefail
ROOT="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
ITER="${1:-20000000}"
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

nasm -f bin -DITERATIONS="$ITER" -o "$WORK/mips.bin" "$ROOT/engine/src/test/asm/mips.asm"
SECTORS=$(( ($(stat -c %s "$WORK/mips.bin") + 511) / 512 ))
nasm -f bin -DSECTORS="$SECTORS" -o "$WORK/boot.bin" "$ROOT/engine/src/test/asm/floppy-boot.asm"
cat "$WORK/boot.bin" "$WORK/mips.bin" > "$WORK/floppy.img"
truncate -s 1474560 "$WORK/floppy.img"

(cd "$ROOT" && mvn -B -q -o -pl engine test-compile >/dev/null 2>&1)
CP="$ROOT/engine/target/classes:$ROOT/engine/target/test-classes"
CP="$CP:$(find ~/.m2/repository/org/junit/jupiter/junit-jupiter-api -name '*.jar' | head -1)"
CP="$CP:$(find ~/.m2/repository/org/opentest4j -name '*.jar' | head -1)"
CP="$CP:$(find ~/.m2/repository/com/fasterxml/jackson/core -name 'jackson-databind-*.jar' | head -1)"

VIRTFX_LINE=$("$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp "$CP" \
    org.virtfx.engine.cpu.BareMetalBench "$WORK/mips.bin" 1)
echo "$VIRTFX_LINE"
VIRTFX_S=$(sed -n 's/.*seconds=\([0-9.]*\).*/\1/p' <<<"$VIRTFX_LINE")
VIRTFX_OUT=$(sed -n 's/.*output=\([^ ]*\).*/\1/p' <<<"$VIRTFX_LINE")

START=$(date +%s.%N)
set +e
timeout 600 qemu-system-i386 -accel tcg -m 16 -display none -monitor none -serial file:"$WORK/qemu-serial.txt" \
    -drive if=floppy,format=raw,file="$WORK/floppy.img" -boot a \
    -device isa-debug-exit,iobase=0xf4,iosize=0x04
STATUS=$?
set -e
END=$(date +%s.%N)
QEMU_S=$(echo "$END - $START" | bc -l)
QEMU_OUT=$(cat "$WORK/qemu-serial.txt")
printf 'qemu:   output=%s seconds=%.3f (exit status %d; includes SeaBIOS start-up)\n' "$QEMU_OUT" "$QEMU_S" "$STATUS"
if [[ "$QEMU_OUT" != "$VIRTFX_OUT" ]]; then
    echo "checksums differ: VirtFX $VIRTFX_OUT, QEMU $QEMU_OUT" >&2
    exit 1
fi
printf 'ratio VirtFX/QEMU: %.2f\n' "$(echo "$VIRTFX_S / $QEMU_S" | bc -l)"
