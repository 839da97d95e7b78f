#!/usr/bin/env bash
# Scanner figures (issue 4): per-frame decode time of the scan loop's
# decoder at 640x480 and 1280x720, code present and absent (median, p95),
# against the bare gozxing decode of the same frames; frames from a code
# entering the view to its decode; and the decode rate on the shared QR
# photographs. The benchmarks run pinned to one core (taskset) when
# available, GOMAXPROCS=1.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go test -c -o "$tmp/qr.test" ./scanner/qr
pin=()
if command -v taskset >/dev/null 2>&1; then pin=(taskset -c 0); fi
(cd scanner/qr && "${pin[@]}" "$tmp/qr.test" -test.run '^$' -test.cpu 1 \
  -test.bench '^(BenchmarkDecodeFrame|BenchmarkPlainGozxing|BenchmarkFramesToDecode)$' \
  -test.benchtime "${BENCHTIME:-300x}") >"$tmp/out"
grep '^Benchmark' "$tmp/out"
echo
awk '
/^Benchmark/ {
  name = $1; sub(/-[0-9]+$/, "", name)
  for (i = 3; i < NF; i += 2) v[name, $(i+1)] = $i
  names[name] = 1
}
END {
  printf "%-28s %10s %10s %12s %12s %8s\n", "per frame", "median ms", "p95 ms", "gozxing med", "gozxing p95", "ratio"
  split("640x480/present 640x480/absent 1280x720/present 1280x720/absent", cases, " ")
  for (k = 1; k <= 4; k++) {
    c = cases[k]; d = "BenchmarkDecodeFrame/" c; p = "BenchmarkPlainGozxing/" c
    r = (v[p, "median-ms"] > 0) ? v[d, "median-ms"] / v[p, "median-ms"] : 0
    printf "%-28s %10.2f %10.2f %12.2f %12.2f %7.2fx\n", c, v[d, "median-ms"], v[d, "p95-ms"], v[p, "median-ms"], v[p, "p95-ms"], r
  }
  print ""
  printf "%-28s %14s %12s %12s %16s\n", "code entering view", "median frames", "p95 frames", "unread rate", "1st frame p95 ms"
  split("640x480 1280x720", s2, " ")
  for (k = 1; k <= 2; k++) {
    f = "BenchmarkFramesToDecode/" s2[k]
    printf "%-28s %14s %12s %12s %16.2f\n", s2[k], v[f, "median-frames"], v[f, "p95-frames"], v[f, "unread-rate"], v[f, "p95-ms"]
  }
  print ""
  print "targets at 1280x720 on one core: median <= 7 ms, p95 <= 15 ms; entering view to presentation <= 2 frames"
}' "$tmp/out"
echo
go test -count=1 -run '^TestDecodeRate$' -v ./scanner/qr 2>&1 | grep -E 'decode rate|SKIP|not decoded' || true
