#!/usr/bin/env bash
# bench/boot.sh for the amd64 guest: VirtFX vs qemu-system-x86_64 -accel tcg (guest MIPS and kernel boot time).
exec "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/boot.sh" amd64 "$@"
