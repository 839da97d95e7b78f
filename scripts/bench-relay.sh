#!/usr/bin/env bash
# Prints the gate figure: relay command to coil set, measured against
# libmodbus as the relay module (gate/figure_test.go), 200 rounds.
set -euo pipefail
cd "$(dirname "$0")/.."
GATE_FIGURE=1 go test -count=1 -run '^TestRelayCommandToCoilSet$' -v ./gate/ | grep 'relay command to coil set'
