#!/usr/bin/env bash
# Prints how much of the CertLogic 1.3.3 specification test suite
# (CHECKPOINT_TESTDATA/certlogic, default ../shared/testdata/certlogic) our
# evaluator (rules/certlogic) meets: assertions met / total, and validation
# cases met / total. Exits non-zero when any is not met.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(go test -count=1 -run 'CertLogicSuite' -v ./rules/certlogic/ 2>&1) || { echo "$out"; exit 1; }
echo "$out" | grep -E 'CertLogic (evaluation|validation) suite' | sed 's/^ *suite_test.go:[0-9]*: //'
