#!/usr/bin/env bash
# CPU speed comparison: VirtFX's software CPU against QEMU TCG (qemu-system-i386 or qemu-system-x86_64 -accel tcg),
# one run each.
#
# 1. Guest MIPS: the bare-metal speed loop engine/src/test/asm/mips.asm (32-bit protected mode with paging; ALU,
#    load/store and branches) on both: in VirtFX on the CPU test board, in QEMU from a floppy whose boot sector
#    loads it to 1000:0000, the same start state. Both print the loop's checksum (it must match).
# 2. Boot: the Debian kernel of ARCH (i386: 686-pae, amd64: cloud) + busybox initramfs from the guest cache, direct
#    boot, until the kernel starts /init ("Run /init" on the serial console); skipped when the fixtures are missing
#    (virtfx guests fetch).
# Prints both times and the VirtFX/QEMU ratio of each. Needs nasm, QEMU, and Maven for the build.
#   bench/boot.sh i386|amd64 [ITERATIONS]      (default 20000000 loop iterations = 200 M instructions)
#   bench/boot-i386.sh, bench/boot-amd64.sh    the same with ARCH given
set -euo pipefail
ROOT="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
ARCH="${1:-}"
case "$ARCH" in
    i386) QEMU=qemu-system-i386 ;;
    amd64) QEMU=qemu-system-x86_64 ;;
    *) echo "usage: bench/boot.sh i386|amd64 [ITERATIONS]" >&2; exit 1 ;;
esac
ITER="${2:-20000000}"
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

nasm -f bin -I "$ROOT/engine/src/test/asm/" -DITERATIONS="$ITER" -o "$WORK/mips.bin" "$ROOT/engine/src/test/asm/mips.asm"
SECTORS=$(( ($(stat -c %s "$WORK/mips.bin") + 511) / 512 ))
nasm -f bin -I "$ROOT/engine/src/test/asm/" -DSECTORS="$SECTORS" -o "$WORK/boot.bin" "$ROOT/engine/src/test/asm/floppy-boot.asm"
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
timeout 600 "$QEMU" -accel tcg -m 16 -display none -monitor none -serial file:"$WORK/qemu-serial.txt" \
    -drive if=floppy,format=raw,file="$WORK/floppy.img" -boot a \
    -device isa-debug-exit,iobase=0xf4,iosize=0x04
STATUS=$?
set -e
END=$(date +%s.%N)
QEMU_S=$(echo "$END - $START" | bc -l)
QEMU_OUT=$(cat "$WORK/qemu-serial.txt")
printf '%s:   output=%s seconds=%.3f (exit status %d; includes SeaBIOS start-up)\n' "$QEMU" "$QEMU_OUT" "$QEMU_S" "$STATUS"
if [[ "$QEMU_OUT" != "$VIRTFX_OUT" ]]; then
    echo "checksums differ: VirtFX $VIRTFX_OUT, QEMU $QEMU_OUT" >&2
    exit 1
fi
printf 'ratio VirtFX/QEMU: %.2f\n' "$(echo "$VIRTFX_S / $QEMU_S" | bc -l)"

GUESTS="${VIRTFX_GUESTS:-$HOME/.cache/virtfx/guests}"
KERNEL="$GUESTS/$ARCH/vmlinuz"
INITRD="$GUESTS/$ARCH/initramfs.cpio"
MARKER='Run /init'
if [[ ! -f "$KERNEL" || ! -f "$INITRD" ]]; then
    echo "boot: skipped (no $ARCH kernel/initramfs in $GUESTS)"
    exit 0
fi
START=$(date +%s.%N)
"$ROOT/virtfx" run --kernel "$KERNEL" --initrd "$INITRD" --append console=ttyS0 -m 256 \
    --serial file:"$WORK/virtfx-boot.txt" --expect-serial "$MARKER" --timeout 1800 >/dev/null 2>&1 || {
    echo "boot: VirtFX did not reach '$MARKER' (see the serial log below)" >&2; tail -5 "$WORK/virtfx-boot.txt" >&2; exit 1; }
END=$(date +%s.%N)
VIRTFX_BOOT=$(echo "$END - $START" | bc -l)

: > "$WORK/qemu-boot.txt"
START=$(date +%s.%N)
"$QEMU" -accel tcg -m 256 -display none -monitor none -serial file:"$WORK/qemu-boot.txt" \
    -kernel "$KERNEL" -initrd "$INITRD" -append console=ttyS0 -no-reboot &
QEMU_PID=$!
for _ in $(seq 1 6000); do
    grep -q "$MARKER" "$WORK/qemu-boot.txt" && break
    sleep 0.1
done
END=$(date +%s.%N)
kill "$QEMU_PID" 2>/dev/null || true
wait "$QEMU_PID" 2>/dev/null || true
QEMU_BOOT=$(echo "$END - $START" | bc -l)
printf 'boot to "%s": virtfx %.1f s, qemu %.1f s, ratio VirtFX/QEMU: %.2f\n' "$MARKER" "$VIRTFX_BOOT" "$QEMU_BOOT" \
    "$(echo "$VIRTFX_BOOT / $QEMU_BOOT" | bc -l)"

