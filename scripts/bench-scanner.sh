#!/usr/bin/env bash
# Scanner figures (issue 4): per-frame decode time of the scan loop's
# decoder at 640x480 and 1280x720, code present and absent (median, p95;
# absent twice: the empty counter, and other scenes without a code),
# against the bare gozxing decode of the same frames; frames from a code
# entering the view to its decode; and the decode rate on the shared QR
# photographs, all and on a code's first frame. The benchmarks run pinned
# to one core (taskset) when available, GOMAXPROCS=1, and time the
# decoder in its thread's CPU time (the machine may be shared and loaded:
# wall time would count other processes' turns on the core).
#
# ROUNDS=n (default 1) repeats the benchmarks and reports the median of the
# rounds' figures (the machine may be shared). BASELINE=<git revision>
# also builds the decoder of that revision (from git archive, the working
# tree is not touched) and runs it interleaved with the current one, round
# by round, so both see the same load; its figures are shown beside.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go test -c -o "$tmp/cur.test" ./scanner/qr
labels=(cur)
if [ -n "${BASELINE:-}" ]; then
  mkdir "$tmp/base"
  git archive "$BASELINE" | tar -x -C "$tmp/base"
  (cd "$tmp/base" && go test -c -o "$tmp/base.test" ./scanner/qr)
  labels=(base cur)
fi
pin=()
if command -v taskset >/dev/null 2>&1; then pin=(taskset -c 0); fi
rounds=${ROUNDS:-1}
for ((r = 1; r <= rounds; r++)); do
  for l in "${labels[@]}"; do
    (cd scanner/qr && "${pin[@]}" "$tmp/$l.test" -test.run '^$' -test.cpu 1 \
      -test.bench '^(BenchmarkDecodeFrame|BenchmarkPlainGozxing|BenchmarkFramesToDecode)$' \
      -test.benchtime "${BENCHTIME:-300x}") | sed -n "s/^Benchmark/$l Benchmark/p" >>"$tmp/out"
  done
done
[ "$rounds" = 1 ] && sed 's/^cur //' "$tmp/out" | grep -v '^base '
echo
awk -v rounds="$rounds" -v havebase="${BASELINE:+1}" -v basename="${BASELINE:-}" '
function med(l, key,    n, i, j, a, t) {
  n = cnt[l, key]
  if (n == 0) return -1
  for (i = 1; i <= n; i++) a[i] = val[l, key, i]
  for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j] < a[j-1]; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
  return (n % 2) ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2
}
function fig(l, key, fmt) { v = med(l, key); return v < 0 ? "-" : sprintf(fmt, v) }
{
  l = $1; name = $2; sub(/-[0-9]+$/, "", name)
  for (i = 4; i < NF; i += 2) { k = name SUBSEP $(i+1); cnt[l, k]++; val[l, k, cnt[l, k]] = $i }
}
END {
  printf "medians of %d round(s)%s\n\n", rounds, havebase ? ", baseline " basename " in brackets" : ""
  printf "%-20s %18s %18s %12s %12s %8s\n", "per frame", "median ms", "p95 ms", "gozxing med", "gozxing p95", "ratio"
  split("640x480/present 640x480/absent 640x480/scenes 1280x720/present 1280x720/absent 1280x720/scenes", cases, " ")
  for (k = 1; k <= 6; k++) {
    c = cases[k]; d = "BenchmarkDecodeFrame/" c; p = "BenchmarkPlainGozxing/" c
    m = fig("cur", d SUBSEP "median-ms", "%.2f"); q = fig("cur", d SUBSEP "p95-ms", "%.2f")
    if (havebase) { m = m " [" fig("base", d SUBSEP "median-ms", "%.2f") "]"; q = q " [" fig("base", d SUBSEP "p95-ms", "%.2f") "]" }
    pm = med("cur", p SUBSEP "median-ms")
    r = (pm > 0) ? med("cur", d SUBSEP "median-ms") / pm : 0
    printf "%-20s %18s %18s %12s %12s %7.2fx\n", c, m, q, fig("cur", p SUBSEP "median-ms", "%.2f"), fig("cur", p SUBSEP "p95-ms", "%.2f"), r
  }
  print ""
  printf "%-20s %16s %16s %16s %18s\n", "code entering view", "median frames", "p95 frames", "unread rate", "1st frame p95 ms"
  split("640x480 1280x720", s2, " ")
  for (k = 1; k <= 2; k++) {
    f = "BenchmarkFramesToDecode/" s2[k]
    split("median-frames p95-frames unread-rate p95-ms", ms, " ")
    split("%.0f %.0f %.3f %.2f", fm, " ")
    for (j = 1; j <= 4; j++) {
      o[j] = fig("cur", f SUBSEP ms[j], fm[j])
      if (havebase) o[j] = o[j] " [" fig("base", f SUBSEP ms[j], fm[j]) "]"
    }
    printf "%-20s %16s %16s %16s %18s\n", s2[k], o[1], o[2], o[3], o[4]
  }
  print ""
  print "absent: the empty counter (a passing hand, sensor noise); scenes: other frames without a code (a printed form, floor tiles, fabric, a face, a blank phone screen)"
  print "targets at 1280x720 on one core (thread CPU time): median <= 5 ms, p95 <= 10 ms, code present and absent; entering view to presentation <= 2 frames"
}' "$tmp/out"
echo
go test -count=1 -run '^(TestDecodeRate|TestFirstFrameRate)$' -v ./scanner/qr 2>&1 | grep -E 'decode rate|first frame:|SKIP|not decoded' || true
