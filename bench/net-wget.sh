#!/usr/bin/env bash
# Guest download speed through a network card and the user network: the amd64 fixture guest (direct boot, 1 vCPU)
# leases its address by DHCP, then `wget`s a file of SIZE_MIB MiB from a Python HTTP server on the host's 127.0.0.1
# (10.0.2.2 to the guest) into /dev/null, timed by busybox `time`.
#   bench/net-wget.sh [SIZE_MIB [MODEL]]        default: 64 virtio-net
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SIZE_MIB="${1:-64}"
MODEL="${2:-virtio-net}"
GUESTS="${VIRTFX_GUESTS:-$HOME/.cache/virtfx/guests}/amd64"
WORK="$(mktemp -d)"
trap 'kill "$SERVER" 2>/dev/null || true; rm -rf "$WORK"' EXIT
head -c "$((SIZE_MIB << 20))" /dev/urandom > "$WORK/big"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server "$PORT" --bind 127.0.0.1 --directory "$WORK" >/dev/null 2>&1 &
SERVER=$!
mkfifo "$WORK/console"
{
  sleep 40
  echo "udhcpc -i eth0 -q -n -t 5 >/dev/null 2>&1; ip -4 addr show dev eth0 | grep inet"
  sleep 15
  echo "time wget -q -O /dev/null http://10.0.2.2:$PORT/big; echo WGET-DONE-\$?"
  while [[ ! -e "$WORK/done" ]]; do sleep 1; done   # keep the console open until the run ends
} > "$WORK/console" &
FEEDER=$!
trap 'kill "$SERVER" "$FEEDER" 2>/dev/null || true; rm -rf "$WORK"' EXIT
"$ROOT/virtfx" run --kernel "$GUESTS/vmlinuz" --initrd "$GUESTS/initramfs.cpio" \
      --append "console=ttyS0 quiet cryptomgr.notests no_timer_check" -m 256 --nic "user,model=$MODEL" \
      --expect-serial 'WGET-DONE-[0-9]+' --timeout 1200 < "$WORK/console" > "$WORK/serial.txt" 2>&1 || true
touch "$WORK/done"
wait "$FEEDER" 2>/dev/null || true
grep -a -E 'inet |real|WGET-DONE' "$WORK/serial.txt" | grep -v 'echo WGET' || cat "$WORK/serial.txt"
REAL=$(grep -a -o -E 'real[[:space:]]+[0-9]+m [0-9.]+s' "$WORK/serial.txt" | head -1 \
       | sed -E 's/real[[:space:]]+([0-9]+)m ([0-9.]+)s/\1 \2/')
if [[ -n "$REAL" ]]; then
  awk -v mib="$SIZE_MIB" -v r="$REAL" 'BEGIN { split(r, t, " "); s = t[1] * 60 + t[2];
      printf "%d MiB in %.2f s: %.2f MB/s (%.2f MiB/s)\n", mib, s, mib * 1048576 / s / 1e6, mib / s }'
fi
