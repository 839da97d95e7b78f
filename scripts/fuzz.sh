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
    go test -run '^$' -fuzz "^${target}\$" -fuzztime "$FUZZTIME" "$pkg" >/tmp/fuzz.$$.log 2>&1 || { cat /tmp/fuzz.$$.log; rm -f /tmp/fuzz.$$.log; exit 1; }
    tail -n 1 /tmp/fuzz.$$.log
  done
done
rm -f /tmp/fuzz.$$.log
