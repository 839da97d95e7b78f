#!/usr/bin/env bash
# Prints the figures the issues ask for: each scripts/bench-*.sh runs one
# area's benchmarks and prints its figures and ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
shopt -s nullglob
for s in scripts/bench-*.sh; do
  echo "== $s"
  bash "$s"
done
