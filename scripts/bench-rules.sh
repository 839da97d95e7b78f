#!/usr/bin/env bash
# Site rules (issue 17): the CertLogic specification suite's figures
# (scripts/certlogic-suite.sh) and the cost of a verdict through the rules
# engine against the built-in Decide.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/certlogic-suite.sh
go test -run '^$' -bench 'Decide' -benchtime "${BENCHTIME:-20000x}" ./rules/ | grep -E '^Benchmark'
