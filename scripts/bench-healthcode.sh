#!/usr/bin/env bash
# Health-code verification cost: text -> verified Code for ES256 and SM2,
# beside the bare signature check of the same key over the same bytes in the
# same run, and the cached path (the same code seen in the next frames).
# Runs each benchmark COUNT times (default 5) on one core and keeps the
# fastest run of each, which is the least disturbed by other load.
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT=${COUNT:-5}
out=$(go test -run '^$' -bench '^Benchmark(Verify|VerifyCached|BareSignature)$' \
  -benchmem -cpu 1 -count "$COUNT" ./scanner/healthcode/)
echo "$out" | grep '^Benchmark' || { echo "$out"; exit 1; }
echo
echo "$out" | awk '
  /^Benchmark/ {
    name = $1; sub(/-[0-9]+$/, "", name)
    ns = $3; bytes = $5; allocs = $7
    if (!(name in best) || ns < best[name]) { best[name] = ns; b[name] = bytes; a[name] = allocs }
  }
  END {
    printf "%-34s %12s %10s %10s\n", "fastest of runs", "us/op", "B/op", "allocs/op"
    n = split("BenchmarkVerify/ES256 BenchmarkBareSignature/ES256 BenchmarkVerifyCached/ES256 BenchmarkVerify/SM2 BenchmarkBareSignature/SM2 BenchmarkVerifyCached/SM2", order, " ")
    for (i = 1; i <= n; i++) {
      k = order[i]
      if (k in best) printf "%-34s %12.1f %10d %10d\n", k, best[k] / 1000, b[k], a[k]
    }
    print ""
    split("ES256 SM2", algs, " ")
    for (i = 1; i <= 2; i++) {
      al = algs[i]; full = best["BenchmarkVerify/" al]; bare = best["BenchmarkBareSignature/" al]; hit = best["BenchmarkVerifyCached/" al]
      if (bare > 0) printf "%-6s full path / bare signature = %.2fx (target <= 1.30x); cached hit = %.1f us (%.3fx)\n", al, full / bare, hit / 1000, hit / bare
    }
  }'
