#!/usr/bin/env bash
# bench/boot.sh for the i386 guest: VirtFX vs qemu-system-i386 -accel tcg (guest MIPS and kernel boot time).
exec "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/boot.sh" i386 "$@"
