#!/usr/bin/env bash
# Issue 16: this project's QR decoder (hctool decode: the still cascade,
# qr.Decoder.DecodeStill) against zxing-cpp, Debian's python3-zxing-cpp,
# on the same images: the generated phone-screen sweep of
# scanner/qr/screen_sweep_test.go (written to a temporary directory) and
# the shared photographs (CHECKPOINT_TESTDATA/qr, default
# ../shared/testdata/qr). Prints both rates per module size and per photo
# set. zxing-cpp is a benchmark reference, not a build or test need:
# install it with `apt-get install python3-zxing-cpp python3-pil`.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! /usr/bin/python3 -c 'import zxingcpp, PIL' 2>/dev/null; then
  echo "compare-zxing: python3-zxing-cpp and python3-pil are not installed (apt-get install python3-zxing-cpp python3-pil)" >&2
  exit 2
fi
data=${CHECKPOINT_TESTDATA:-../shared/testdata}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
SCREEN_SWEEP_DIR="$tmp/sweep" go test -count=1 -run '^TestScreenSweep$' ./scanner/qr >/dev/null || true
go build -o "$tmp/hctool" ./cmd/hctool
mapfile -t files < <(find "$tmp/sweep" "$data/qr" -type f \( -name '*.png' -o -name '*.jpg' -o -name '*.jpeg' -o -name '*.webp' \) | sort)
"$tmp/hctool" decode "${files[@]}" >"$tmp/ours.tsv" 2>/dev/null || true
/usr/bin/python3 scripts/compare-zxing.py --ours "$tmp/ours.tsv" "$tmp/sweep" "$data/qr"
