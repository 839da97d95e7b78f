#!/usr/bin/env bash
# The EU DCC test vectors against the verifier: every case of the
# dgc-testdata layout (<COUNTRY>/2DCode/raw/*.json) under DIR (default
# $CHECKPOINT_TESTDATA/dcc, i.e. ../shared/testdata/dcc), each stated
# expectation compared with what the verifier's layers do. Prints the table
# (cases found / loaded; per expectation met / stated / not applicable) and
# every miss; exits non-zero on a miss or a case that cannot be loaded.
#   scripts/dcc-suite.sh [DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -gt 0 ]; then
  export CHECKPOINT_DCC=$(cd "$1" && pwd)
fi
go test -count=1 -v -run '^TestDCCSuite$' ./healthcode/ | sed -n '/DCC suite under/,$p'
