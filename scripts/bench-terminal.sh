#!/usr/bin/env bash
# Start-up to "ready to scan" and resident memory of the real terminal while
# it scans 1280x720 video at 30 fps (issue 7's targets: < 2 s, < 200 MB).
#
# 1. A headless demo run (--once) makes keys, a signed trust list and a
#    1280x720@30 video of demo codes.
# 2. bin/checkpoint runs with a config whose camera is that video (looped,
#    through the real camera path) under Xvfb, and scans for SCAN_SECONDS
#    (default 30); then /proc/PID/status is read. The same is done headless.
set -euo pipefail
cd "$(dirname "$0")/.."
SCAN_SECONDS=${SCAN_SECONDS:-30}
bash scripts/deps.sh
go build -o bin/checkpoint ./cmd/checkpoint

dir=$(mktemp -d)
display=":$((200 + RANDOM % 300))"
xvfb=""
pid=""
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  [ -n "$xvfb" ] && kill "$xvfb" 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT

bin/checkpoint --headless --once --demo-dir "$dir/demo" --demo-width 1280 --demo-height 720 --demo-fps 30 \
  >/dev/null 2>"$dir/demo.log"
video=$(ls "$dir"/demo/demo-*.avi | head -1)
cat >"$dir/checkpoint.toml" <<TOML
terminal_id = "bench"
data_dir = "$dir/data"
[camera]
source = "$video"
[thermometer]
enabled = false
[trust]
roots = ["$dir/demo/root.pub.pem"]
trust_list = "$dir/demo/trustlist.cose"
[ui]
fullscreen = false
pin = "9876"
TOML

# measure LABEL ARGS...: runs the terminal, scans, prints its memory.
measure() {
  local label=$1; shift
  : >"$dir/log"
  "$@" 2>"$dir/log" >/dev/null &
  pid=$!
  sleep "$SCAN_SECONDS"
  kill -0 "$pid" 2>/dev/null || { cat "$dir/log" >&2; echo "bench-terminal: $label exited" >&2; exit 1; }
  local rss hwm n
  rss=$(awk '/^VmRSS/{print $2}' "/proc/$pid/status")
  hwm=$(awk '/^VmHWM/{print $2}' "/proc/$pid/status")
  n=$(grep -c 'msg=presentation' "$dir/log" || true)
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
  printf '%-9s resident %4d MB, peak %4d MB, %d presentations in %ss of 1280x720@30 video\n' \
    "$label" $((rss / 1024)) $((hwm / 1024)) "$n" "$SCAN_SECONDS"
  startup=$(grep -o 'msg="ready to scan" startup=[^ ]*' "$dir/log" | sed 's/.*startup=//' || true)
}

measure headless bin/checkpoint -config "$dir/checkpoint.toml" --headless
Xvfb "$display" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
sleep 1
DISPLAY="$display" measure window bin/checkpoint -config "$dir/checkpoint.toml"
echo "start-up to ready to scan (window): $startup (target < 2 s)"
echo "memory target: < 200 MB resident while scanning. Under Xvfb fyne draws with Mesa's"
echo "software renderer (llvmpipe), whose LLVM library alone is ~55 MB resident."
