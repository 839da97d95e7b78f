#!/usr/bin/env bash
# The packaging test (issue 13), run by scripts/test.sh as root on Debian:
# builds both packages, checks them with dpkg-deb and lintian (no errors),
# verifies the units with systemd-analyze, installs checkpoint-terminal,
# runs `checkpoint doctor` in demo mode as the service user against the
# installed files, upgrades to a later revision (config and store kept),
# and purges both packages, checking the machine is as it was.
# Elsewhere (not root, no dpkg) it says why and does nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" != 0 ] || ! command -v dpkg >/dev/null; then
  echo "test-package: skipped (needs root on Debian; CI runs it)"
  exit 0
fi
for p in checkpoint-terminal checkpoint-hub; do
  if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q installed; then
    echo "test-package: $p is installed on this machine; not touching it" >&2
    exit 1
  fi
done
if getent passwd checkpoint >/dev/null || [ -e /etc/checkpoint ] || [ -e /var/lib/checkpoint ]; then
  echo "test-package: a checkpoint user, /etc/checkpoint or /var/lib/checkpoint exists already; not touching them" >&2
  exit 1
fi
out=$(mktemp -d)
purge() {
  dpkg --purge checkpoint-terminal checkpoint-hub >/dev/null 2>&1 || true
  rm -rf "$out"
}
trap purge EXIT
fail() { echo "test-package: FAIL: $*" >&2; exit 1; }
state() { # what installing must not leave behind
  { getent passwd checkpoint checkpoint-hub || true; ls -d /etc/checkpoint /var/lib/checkpoint 2>/dev/null || true
    ls /usr/lib/systemd/system/checkpoint-* /usr/lib/udev/rules.d/60-checkpoint.rules 2>/dev/null || true; }
}
before=$(state)

echo "== package: build"
OUT="$out/v1" bash scripts/package.sh >/dev/null
term=$(ls "$out"/v1/checkpoint-terminal_*.deb) hub=$(ls "$out"/v1/checkpoint-hub_*.deb)

echo "== package: dpkg-deb --info/--contents"
info=$(dpkg-deb --info "$term")
grep -q '^ Depends:.*libopencv-core' <<<"$info" || fail "terminal Depends lacks the OpenCV libraries: $info"
grep -q '^ Depends:.*cage' <<<"$info" || fail "terminal Depends lacks cage"
grep -q '^ Depends:.*libc6' <<<"$(dpkg-deb --info "$hub")" || fail "hub Depends lacks libc6"
contents=$(dpkg-deb --contents "$term")
for f in ./usr/bin/checkpoint ./usr/bin/hctool ./etc/checkpoint/checkpoint.toml ./usr/lib/systemd/system/checkpoint-kiosk.service \
  ./usr/lib/udev/rules.d/60-checkpoint.rules ./var/lib/checkpoint/ ./usr/share/doc/checkpoint-terminal/copyright; do
  grep -q " $f\$" <<<"$contents" || fail "terminal package lacks $f"
done
hubcontents=$(dpkg-deb --contents "$hub")
grep -q ' ./usr/lib/systemd/system/checkpoint-hub.service$' <<<"$hubcontents" || fail "hub package lacks its unit"
grep -q ' ./etc/checkpoint/hub.env$' <<<"$hubcontents" || fail "hub package lacks its env file"
grep -qx /etc/checkpoint/checkpoint.toml <<<"$(dpkg-deb --ctrl-tarfile "$term" | tar -xO ./conffiles)" || fail "checkpoint.toml is not a conffile"

echo "== package: lintian"
lint=$(lintian --tag-display-limit 0 "$term" "$hub" 2>&1 | grep -v 'root privileges' || true)
echo "$lint"
if grep -q '^E:' <<<"$lint"; then fail "lintian reports errors"; fi

echo "== package: install"
DEBIAN_FRONTEND=noninteractive dpkg -i "$term" "$hub" >/dev/null
getent passwd checkpoint >/dev/null || fail "no checkpoint user"
[ "$(stat -c %U /var/lib/checkpoint)" = checkpoint ] || fail "/var/lib/checkpoint is not the service user's"
grep -qw video <<<"$(id -nG checkpoint)" || fail "the service user is not in the video group"

if command -v systemd-analyze >/dev/null; then
  echo "== package: systemd-analyze verify"
  systemd-analyze verify /usr/lib/systemd/system/checkpoint-kiosk.service /usr/lib/systemd/system/checkpoint-hub.service
fi

doctor() {
  runuser -u checkpoint -- env HOME=/var/lib/checkpoint /usr/bin/checkpoint doctor -demo-dir /var/lib/checkpoint/demo
}
echo "== package: checkpoint doctor (demo mode, as the service user)"
doctor || fail "checkpoint doctor failed on the installed package"
store=/var/lib/checkpoint/demo/checkpoint.db
[ -s "$store" ] || fail "doctor left no store"
echo "== package: the installed terminal records a demo run (headless, as the service user)"
records=$(runuser -u checkpoint -- env HOME=/var/lib/checkpoint /usr/bin/checkpoint -headless -once \
  -demo-dir /var/lib/checkpoint/demo 2>/dev/null | grep -c '"record_id":"[0-9a-f]' || true)
[ "$records" -gt 0 ] || fail "the installed terminal stored no record"
echo "$records records stored"
echo "# site change kept across upgrades" >>/etc/checkpoint/checkpoint.toml
sum=$(sha256sum "$store")

echo "== package: upgrade to a later revision"
RELEASE=99 OUT="$out/v2" bash scripts/package.sh >/dev/null
DEBIAN_FRONTEND=noninteractive dpkg -i --force-confold "$out"/v2/checkpoint-terminal_*-99_*.deb >/dev/null
grep -q -- '-99$' <<<"$(dpkg-query -W -f='${Version}' checkpoint-terminal)" || fail "not upgraded"
grep -q "site change kept" /etc/checkpoint/checkpoint.toml || fail "the upgrade replaced the site's config"
[ "$(sha256sum "$store")" = "$sum" ] || fail "the upgrade changed the store"
doctor >/dev/null || fail "checkpoint doctor failed after the upgrade"

echo "== package: purge"
dpkg --purge checkpoint-terminal checkpoint-hub >/dev/null
after=$(state)
[ "$before" = "$after" ] || fail "purge left: $after"
echo "== package: ok (built, checked, installed, doctor passed, upgraded, purged)"
