#!/usr/bin/env bash
# Sync figures (issue 6): revocations at 10 million entries (lookup p99,
# 100,000-entry delta apply, merge into the base run, file size), 100,000
# records pushed after a long offline period over loopback, hub ingest rate.
#
# The 10M revocation store is built once into $CHECKPOINT_BENCH_DIR (default
# a cache folder under /tmp) and reused. PostgreSQL is a throwaway cluster
# started by the benchmark binary (fsync=off, like the tests).
#   CHECKPOINT_BENCH_REVOCATIONS  set size (default 10000000)
#   CHECKPOINT_BENCH_DIR          where the revocation fixture lives
set -euo pipefail
cd "$(dirname "$0")/.."
export CHECKPOINT_BENCH_REVOCATIONS="${CHECKPOINT_BENCH_REVOCATIONS:-10000000}"
export CHECKPOINT_BENCH_DIR="${CHECKPOINT_BENCH_DIR:-/tmp/checkpoint-bench-sync}"
mkdir -p "$CHECKPOINT_BENCH_DIR"
out=$(mktemp)
trap 'rm -f "$out"' EXIT

run() { go test -run '^$' -bench "$1" -benchtime "$2" -benchmem -timeout 30m ./sync/ | tee -a "$out"; }
run '^BenchmarkRevocationLookup$' 200000x
run '^BenchmarkRevocationDelta$' 5x
run '^BenchmarkRevocationCompact$' 1x
run '^BenchmarkPushAfterOffline$' 1x
run '^BenchmarkHubIngest$' 100x

metric() { # benchmark unit -> value
  awk -v b="$1" -v u="$2" '$1 ~ "^"b"(-[0-9]+)?$" { for (i = 2; i <= NF; i++) if ($i == u) v = $(i-1) } END { print v }' "$out"
}
p99=$(metric BenchmarkRevocationLookup 'p99-µs')
p50=$(metric BenchmarkRevocationLookup 'p50-µs')
size=$(metric BenchmarkRevocationLookup 'file-MB')
openms=$(metric BenchmarkRevocationLookup 'open-ms')
delta=$(metric BenchmarkRevocationDelta 'ms/delta')
compact=$(metric BenchmarkRevocationCompact 'ns/op')
push=$(metric BenchmarkPushAfterOffline 's/100k')
pushrate=$(metric BenchmarkPushAfterOffline 'records/s')
ingest=$(metric BenchmarkHubIngest 'records/s')

echo
echo "== sync figures (targets in brackets)"
awk -v n="$CHECKPOINT_BENCH_REVOCATIONS" -v p50="$p50" -v p99="$p99" -v size="$size" -v openms="$openms" -v delta="$delta" -v compact="$compact" \
    -v push="$push" -v pushrate="$pushrate" -v ingest="$ingest" 'BEGIN {
  printf "revocations held:                %d\n", n
  printf "membership p50 / p99:            %.1f / %.1f µs   [p99 < 20 µs]  (%.2f of target)\n", p50, p99, p99 / 20
  printf "apply a 100,000-entry delta:     %.0f ms          [< 2000 ms]   (%.2f of target)\n", delta, delta / 2000
  printf "merge a 100k run into the base:  %.1f s           (idle-time compaction)\n", compact / 1e9
  printf "store file size:                 %.0f MB (%.1f bytes per entry)\n", size, size * 1e6 / n
  printf "opening that store:              %.0f ms (freelist scan, mapping prefaulted)\n", openms
  printf "push 100,000 records (loopback): %.1f s (%.0f records/s)  [< 30 s]  (%.2f of target)\n", push, pushrate, push / 30
  printf "hub ingest:                      %.0f records/s  [>= 20000]  (%.1fx target)\n", ingest, ingest / 20000
}'
