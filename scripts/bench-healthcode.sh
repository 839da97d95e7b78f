#!/usr/bin/env bash
# Health-code verification cost: text -> verified Code for ES256 and SM2,
# beside the bare signature check of the same key over the same bytes in the
# same run, and the cached path (the same code seen in the next frames).
#
# The machine is shared, so the benchmarks run ROUNDS times (default 5), each
# round running every benchmark once, one core: the full path and its floor
# are measured next to each other under the same load. Printed: the fastest
# time of each benchmark and, per algorithm, the median over rounds of the
# ratio full path / bare signature measured within one round.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-${COUNT:-5}}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go test -c -o "$tmp/healthcode.test" ./healthcode/
for i in $(seq "$ROUNDS"); do
  (cd healthcode && "$tmp/healthcode.test" -test.run '^$' \
    -test.bench '^Benchmark(Verify|BareSignature|VerifyCached)$' -test.benchmem -test.cpu 1) |
    grep '^Benchmark' | sed "s/^/round$i /"
done >"$tmp/out"
sed 's/^round[0-9]* //' "$tmp/out"
echo
awk '
  {
    round = $1; name = $2; sub(/-[0-9]+$/, "", name)
    ns = $4; bytes = $6; allocs = $8
    if (!(name in best) || ns < best[name]) { best[name] = ns; b[name] = bytes; a[name] = allocs }
    t[round, name] = ns; rounds[round] = 1
  }
  function median(arr, n,    i, j, x) {
    for (i = 2; i <= n; i++) { x = arr[i]; for (j = i - 1; j >= 1 && arr[j] > x; j--) arr[j + 1] = arr[j]; arr[j + 1] = x }
    return n % 2 ? arr[(n + 1) / 2] : (arr[n / 2] + arr[n / 2 + 1]) / 2
  }
  END {
    printf "%-34s %12s %10s %10s\n", "fastest of rounds", "us/op", "B/op", "allocs/op"
    n = split("BenchmarkVerify/ES256 BenchmarkBareSignature/ES256 BenchmarkVerifyCached/ES256 BenchmarkVerify/SM2 BenchmarkBareSignature/SM2 BenchmarkVerifyCached/SM2", order, " ")
    for (i = 1; i <= n; i++) {
      k = order[i]
      if (k in best) printf "%-34s %12.1f %10d %10d\n", k, best[k] / 1000, b[k], a[k]
    }
    print ""
    split("ES256 SM2", algs, " ")
    for (i = 1; i <= 2; i++) {
      al = algs[i]; m = 0; delete r; delete c
      for (rd in rounds) {
        full = t[rd, "BenchmarkVerify/" al]; bare = t[rd, "BenchmarkBareSignature/" al]; hit = t[rd, "BenchmarkVerifyCached/" al]
        if (bare > 0) { m++; r[m] = full / bare; c[m] = hit / 1000 }
      }
      if (m > 0) printf "%-6s full path / bare signature = %.2fx median of %d rounds (target <= 1.30x); cached hit %.1f us median\n", al, median(r, m), m, median(c, m)
    }
  }' "$tmp/out"
