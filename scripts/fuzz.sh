#!/usr/bin/env bash
# Runs every Fuzz target in the module for FUZZTIME each (default 10s).
# `make fuzz` runs them longer. New crashers land in testdata/fuzz/ of the
# package: commit them, they become regression cases.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOFLAGS="-tags=$(sed '/^#/d' scripts/go-tags)" # see scripts/go-tags
FUZZTIME=${FUZZTIME:-10s}
for pkg in $(go list ./...); do
  dir=$(go list -f '{{.Dir}}' "$pkg")
  grep -lq '^func Fuzz' "$dir"/*_test.go 2>/dev/null || continue
  for target in $(go test -list '^Fuzz' "$pkg" | grep '^Fuzz' || true); do
    echo "fuzz: $pkg $target ($FUZZTIME)"
    for try in 1 2; do
      before=$({ ls "$dir/testdata/fuzz/$target" 2>/dev/null || true; } | wc -l)
      if go test -run '^$' -fuzz "^${target}\$" -fuzztime "$FUZZTIME" "$pkg" >/tmp/fuzz.$$.log 2>&1; then
        tail -n 1 /tmp/fuzz.$$.log
        break
      fi
      after=$({ ls "$dir/testdata/fuzz/$target" 2>/dev/null || true; } | wc -l)
      # Go 1.26's fuzz coordinator can report its own -fuzztime deadline
      # as a failure ("context deadline exceeded", no failing input
      # written: golang/go#75804, fixed in Go 1.27). Only that is retried,
      # once; a failing input is always a failure.
      if [ "$after" = "$before" ] && grep -qx '    context deadline exceeded' /tmp/fuzz.$$.log &&
        ! grep -q -e 'Failing input written' -e '^panic' -e '_test.go:[0-9]*:' /tmp/fuzz.$$.log; then
        if [ "$try" = 1 ]; then
          echo "fuzz: $target stopped with Go's fuzztime deadline race (golang/go#75804), no failing input: once more"
          continue
        fi
        echo "fuzz: $target hit Go's fuzztime deadline race twice, no failing input written: not a failure of the target"
        break
      fi
      cat /tmp/fuzz.$$.log; rm -f /tmp/fuzz.$$.log; exit 1
    done
  done
done
rm -f /tmp/fuzz.$$.log
