#!/usr/bin/env bash
# The whole test suite: set-up, static checks, every package's tests under
# the race detector, and a short run of every fuzz target.
# This is what `make test` and CI (.ci/run) run.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOFLAGS="-tags=$(sed '/^#/d' scripts/go-tags)" # see scripts/go-tags
start=$(date +%s)

bash scripts/deps.sh
bash scripts/tools.sh
export PATH="$(go env GOPATH)/bin:$PATH"

echo "== go vet"
go vet ./...
echo "== staticcheck"
staticcheck ./...
echo "== go test -race"
go test -race -count=1 -timeout 25m ./...
echo "== fuzz (${FUZZTIME:=10s} per target)"
FUZZTIME="$FUZZTIME" bash scripts/fuzz.sh
echo "== Debian packages (build, lintian, install, doctor, upgrade, purge)"
bash scripts/test-package.sh

echo "== test suite finished in $(( $(date +%s) - start ))s"
