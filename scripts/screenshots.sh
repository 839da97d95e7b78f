#!/usr/bin/env bash
# Captures PNGs of the terminal's main states, in English and Chinese, into
# docs/screenshots/ (make screenshots). It runs the real binary under a
# virtual X display (Xvfb), one process per state:
#   bin/checkpoint --screenshot-state STATE --lang en|zh-CN
# and saves docs/screenshots/<en|zh>-<STATE>.png.
# waits for it to draw, grabs the screen with ImageMagick's `import`, and
# stops it.
#
# Environment: CHECKPOINT_BIN (default bin/checkpoint, built when missing),
# OUT (default docs/screenshots), SIZE (default 1280x800), SETTLE (seconds
# to wait for the window to draw, default 3), LANGS (default "en zh"),
# STATES (default: all).
set -euo pipefail
cd "$(dirname "$0")/.."
export GOFLAGS="-tags=$(sed '/^#/d' scripts/go-tags)" # see scripts/go-tags

BIN=${CHECKPOINT_BIN:-bin/checkpoint}
OUT=${OUT:-docs/screenshots}
SIZE=${SIZE:-1280x800}
SETTLE=${SETTLE:-3}
LANGS=${LANGS:-en zh}
STATES=${STATES:-ready pass deny-yellow deny-red recheck-fever measure forged proxy offline-status settings}

for tool in Xvfb import; do
  command -v "$tool" >/dev/null || { echo "screenshots: $tool is missing (run scripts/deps.sh)" >&2; exit 1; }
done
if [ -z "${CHECKPOINT_BIN:-}" ]; then
  mkdir -p bin
  go build -o bin/checkpoint ./cmd/checkpoint
fi
[ -x "$BIN" ] || { echo "screenshots: $BIN is not an executable" >&2; exit 1; }
mkdir -p "$OUT"

# A display number nobody uses.
disp=""
for n in $(seq 90 140); do
  if [ ! -e "/tmp/.X11-unix/X$n" ] && [ ! -e "/tmp/.X$n-lock" ]; then disp=$n; break; fi
done
[ -n "$disp" ] || { echo "screenshots: no free X display number" >&2; exit 1; }

Xvfb ":$disp" -screen 0 "${SIZE}x24" -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
app=""
cleanup() {
  if [ -n "$app" ]; then kill "$app" 2>/dev/null || true; wait "$app" 2>/dev/null || true; fi
  kill "$xvfb" 2>/dev/null || true
  wait "$xvfb" 2>/dev/null || true
}
trap cleanup EXIT
for _ in $(seq 50); do
  [ -e "/tmp/.X11-unix/X$disp" ] && break
  sleep 0.1
done
[ -e "/tmp/.X11-unix/X$disp" ] || { echo "screenshots: Xvfb did not start" >&2; exit 1; }

export DISPLAY=":$disp" LIBGL_ALWAYS_SOFTWARE=1
count=0
for lang in $LANGS; do
  for state in $STATES; do
    log=$(mktemp)
    flag=$lang
    [ "$lang" = zh ] && flag=zh-CN
    "$BIN" --screenshot-state "$state" --lang "$flag" >"$log" 2>&1 &
    app=$!
    sleep "$SETTLE"
    if ! kill -0 "$app" 2>/dev/null; then
      echo "screenshots: $BIN exited early for $state/$lang:" >&2
      cat "$log" >&2
      rm -f "$log"
      exit 1
    fi
    import -display ":$disp" -window root "$OUT/$lang-$state.png"
    kill "$app" 2>/dev/null || true
    wait "$app" 2>/dev/null || true
    app=""
    rm -f "$log"
    echo "screenshots: $OUT/$lang-$state.png"
    count=$((count + 1))
  done
done
echo "screenshots: $count images in $OUT"
