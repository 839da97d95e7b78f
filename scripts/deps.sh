#!/usr/bin/env bash
# Installs the Debian packages Checkpoint needs to build, run and test.
# Idempotent: apt-get runs (with one `apt-get update`) only when a package is
# missing, so on a prepared machine this is a fast no-op.
set -euo pipefail

packages=(
  ca-certificates gcc g++ libc6-dev pkg-config git
  # OpenCV 4.6 for gocv (camera, video files, QR locator); Debian's libopencv-dev pulls in contrib anyway
  libopencv-dev libopencv-contrib-dev
  # GL / X11 / Wayland headers for fyne's desktop driver
  libgl1-mesa-dev libx11-dev libxcursor-dev libxrandr-dev libxinerama-dev
  libxi-dev libxxf86vm-dev libwayland-dev libxkbcommon-dev
  # ALSA headers for the pass/deny sounds
  libasound2-dev
  # headless display for screenshots, image tools, pseudo-terminal helper
  xvfb xauth imagemagick socat
  # a single-file CJK font (fyne cannot load .ttc collections)
  fonts-droid-fallback
  # the hub's database, for the hub tests
  postgresql
  # libmodbus, the reference Modbus implementation the thermometer's Modbus RTU tests run against
  libmodbus-dev
  # espeak-ng, the TTS the voice clips are made with (assets/voice/gen.go)
  espeak-ng
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "deps: installing ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "deps: done" >&2
