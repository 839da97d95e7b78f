#!/usr/bin/env bash
# Start-up to "ready to scan" and resident memory of the real terminal while
# it scans 1280x720 video at 30 fps (targets: < 2 s and < 200 MB headless,
# issue 7; < 250 MB with the window, issue 13; README "Memory").
#
# 1. A headless demo run (--once) makes keys, a signed trust list and a
#    1280x720@30 video of demo codes.
# 2. bin/checkpoint runs with a config whose camera is that video (looped,
#    through the real camera path) under Xvfb, and scans for SCAN_SECONDS
#    (default 30); then /proc/PID/status is read. The same is done headless.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOFLAGS="-tags=$(sed '/^#/d' scripts/go-tags)" # see scripts/go-tags
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

# Library sets for the breakdown: what only OpenCV's libraries pull in,
# and what only Mesa's software renderer does (ldd closures, real paths).
closure() { ldd "$@" 2>/dev/null | awk '/=> \//{print $3}' | xargs -r readlink -f | sort -u; }
needed=$(readelf -d bin/checkpoint | sed -n 's/.*NEEDED.*\[\(.*\)\]/\1/p')
ldconfig -p >"$dir/ldcache"
libpath() { awk -v n="$1" '$1 == n {print $NF; exit}' "$dir/ldcache"; }
cv=() base=()
for n in $needed; do
  case $n in libopencv*) cv+=("$(libpath "$n")") ;; *) base+=("$(libpath "$n")") ;; esac
done
{ closure "${base[@]}"; printf '%s\n' "${base[@]}" | xargs -r readlink -f; } | sort -u >"$dir/base.libs"
{ closure "${cv[@]}"; printf '%s\n' "${cv[@]}" | xargs -r readlink -f; } | sort -u | comm -23 - "$dir/base.libs" >"$dir/opencv.libs"
dri=$(ls /usr/lib/*/dri/swrast_dri.so 2>/dev/null | head -1)
{ [ -n "$dri" ] && { readlink -f "$dri"; closure "$dri"; }; } | sort -u | comm -23 - "$dir/base.libs" | comm -23 - "$dir/opencv.libs" >"$dir/mesa.libs" || true

# breakdown prints the resident memory of $dir/smaps by kind (MB).
breakdown() {
  awk -v cvf="$dir/opencv.libs" -v mesaf="$dir/mesa.libs" '
    BEGIN { while ((getline l < cvf) > 0) cv[l] = 1; while ((getline l < mesaf) > 0) mesa[l] = 1 }
    /^[0-9a-f]+-[0-9a-f]+ / { f = $6; k = "other libraries (libc, libstdc++, GL, X11, ALSA...)"
      if (f == "") k = "anonymous: Go heap, malloc arenas, mmapped buffers"
      else if (f == "[heap]") k = "malloc main arena"
      else if (f ~ /bin\/checkpoint$/) k = "the checkpoint binary"
      else if (f in mesa) k = "Mesa software renderer (llvmpipe) and its libraries"
      else if (f in cv) k = "OpenCV and the libraries only it pulls in"
      else if (f ~ /^\[/ || f ~ /^\/SYSV/) k = "stacks, X shared memory, vdso" }
    /^Rss:/ { r[k] += $2 }
    END { for (k in r) printf "          %5.1f MB  %s\n", r[k] / 1024, k }' "$dir/smaps" | sort -rn
}

# measure LABEL TARGET_MB ARGS...: runs the terminal, scans, prints its memory.
measure() {
  local label=$1 target=$2; shift 2
  : >"$dir/log"
  "$@" 2>"$dir/log" >/dev/null &
  pid=$!
  sleep "$SCAN_SECONDS"
  kill -0 "$pid" 2>/dev/null || { cat "$dir/log" >&2; echo "bench-terminal: $label exited" >&2; exit 1; }
  local rss hwm n
  rss=$(awk '/^VmRSS/{print $2}' "/proc/$pid/status")
  hwm=$(awk '/^VmHWM/{print $2}' "/proc/$pid/status")
  cp "/proc/$pid/smaps" "$dir/smaps"
  kill -USR1 "$pid"; sleep 0.5 # the terminal prints Go's and malloc's figures
  n=$(grep -c 'msg=presentation' "$dir/log" || true)
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
  local met="met"
  [ $((rss / 1024)) -lt "$target" ] || met="NOT MET"
  printf '%-9s resident %4d MB, peak %4d MB, %d presentations in %ss of 1280x720@30 video (target < %d MB: %s)\n' \
    "$label" $((rss / 1024)) $((hwm / 1024)) "$n" "$SCAN_SECONDS" "$target" "$met"
  breakdown
  grep -m1 '^memory:' "$dir/log" | sed 's/^/          /' || true
  startup=$(grep -o 'msg="ready to scan" startup=[^ ]*' "$dir/log" | sed 's/.*startup=//' || true)
}

measure headless 200 bin/checkpoint -config "$dir/checkpoint.toml" --headless
Xvfb "$display" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
sleep 1
DISPLAY="$display" measure window 250 bin/checkpoint -config "$dir/checkpoint.toml"
echo "start-up to ready to scan (window): $startup (target < 2 s)"
echo "memory targets: < 200 MB resident while scanning headless, < 250 MB with the window"
echo "under Xvfb, where fyne draws with Mesa's software renderer (llvmpipe, absent on a GPU)."
