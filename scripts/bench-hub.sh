#!/usr/bin/env bash
# Hub figures (issue 14): the fleet simulation (hub loadgen) at
# LOADGEN_TERMINALS x LOADGEN_RECORDS (default 50 x 2000) against a
# throwaway PostgreSQL with fsync on, and the two ingest paths (multi-row
# insert vs COPY through a staging table) at 1,000 records per push.
set -euo pipefail
cd "$(dirname "$0")/.."
export PGTEST_FSYNC=on
export LOADGEN_TERMINALS="${LOADGEN_TERMINALS:-50}" LOADGEN_RECORDS="${LOADGEN_RECORDS:-2000}"
go test -count=1 -run '^TestLoadgen$' -v -timeout 30m ./cmd/hub/ | sed -n 's/^        //p'
go test -count=1 -run '^$' -bench '^BenchmarkIngest$' -benchtime 30x ./sync/hub/ | grep -E '^Benchmark'
