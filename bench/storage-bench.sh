#!/usr/bin/env bash
# Block-layer throughput: sequential 1 MiB and random 4 KiB, raw vs qcow2 (VirtFX's own implementation).
# Usage: bench/storage-bench.sh [size-MiB=512] [random-ops=20000] [dir=$TMPDIR]   (CLASSES=dir: other engine classes)
# Numbers include the page cache (like cache=writeback); qcow2 "alloc" passes include cluster allocation with the
# refcount-before-data barrier (one fsync per allocating request).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
SIZE="${1:-512}"; OPS="${2:-20000}"; DIR="${3:-${TMPDIR:-/tmp}}"
CLASSES="${CLASSES:-$ROOT/engine/target/classes}"
if [[ ! -d "$CLASSES/org/virtfx/engine/storage" ]]; then
  (cd "$ROOT" && mvn -B -q -pl engine -DskipTests package)
fi
WORK="$(mktemp -d "$DIR/virtfx-bench.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
"$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp "$CLASSES" \
  "$ROOT/bench/StorageBench.java" "$WORK" "$SIZE" "$OPS"
