#!/usr/bin/env bash
# Prints the hand-scanner figure: scanner input to verdict (serial scanner
# over a pty, the real verifier and station), 200 codes.
set -euo pipefail
cd "$(dirname "$0")/.."
SCANNER_FIGURE=1 go test -count=1 -run '^TestHandScannerToVerdictLatency$' -v ./scanner/ | grep 'scanner input to verdict'
