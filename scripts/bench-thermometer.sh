#!/usr/bin/env bash
# Thermometer figures: decoding throughput of each protocol's parser and
# the Modbus request/response round trip through tarm/serial and a
# pseudo-terminal to the simulated slave (the floor of the poll period).
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(go test -run '^$' -bench 'GY906Decode|ASCIIParse|ModbusScan|ModbusPollOverPTY' -benchmem -benchtime "${BENCHTIME:-1s}" ./thermometer/)
echo "$out" | grep '^Benchmark'
echo "$out" | awk '
  /^BenchmarkGY906Decode/      { printf "gy906: %.0f frames/s decoded (64 frames per op)\n", 64e9/$3 }
  /^BenchmarkASCIIParse/       { ascii=$3; printf "ascii: %.0f lines/s parsed with the default pattern\n", 1e9/$3 }
  /^BenchmarkModbusScan/       { scan=$3; printf "modbus: %.0f responses/s checked (CRC, echo, length)\n", 1e9/$3 }
  /^BenchmarkModbusPollOverPTY/ { rt=$3; printf "modbus: %.1f us per request/response over a pty (%.0f polls/s ceiling; default poll 200 ms)\n", $3/1000, 1e9/$3 }
  END { if (scan > 0 && rt > 0) printf "ratio: round trip / frame check = %.0fx (the line, not the parser, bounds the poll rate)\n", rt/scan }
'
