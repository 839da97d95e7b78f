#!/usr/bin/env bash
# Builds the Debian packages checkpoint-terminal and checkpoint-hub into out/
# with nfpm (pinned in scripts/tools.sh). The version comes from
# FyneApp.toml (one place for desktop and Debian installs); the runtime
# Depends are computed by dpkg-shlibdeps from the libraries the binaries link.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOFLAGS="-tags=$(sed '/^#/d' scripts/go-tags)" # see scripts/go-tags
bash scripts/deps.sh
bash scripts/tools.sh
nfpm="$(go env GOPATH)/bin/nfpm"

version=$(sed -n 's/^ *Version *= *"\(.*\)"/\1/p' FyneApp.toml)
build=$(sed -n 's/^ *Build *= *\([0-9]*\)/\1/p' FyneApp.toml)
# RELEASE may be set to build a later revision of the same version (the
# upgrade test does).
export VERSION="$version" RELEASE="${RELEASE:-${build:-1}}" ARCH="$(dpkg --print-architecture)"
out=${OUT:-out}
stage="$out/stage"
rm -rf "$stage"
mkdir -p "$stage/bin" "$out"

echo "package: building binaries $VERSION-$RELEASE ($ARCH)" >&2
ldflags="-s -w"
go build -ldflags "$ldflags" -o "$stage/bin/" ./cmd/checkpoint ./cmd/hctool ./cmd/hub

# dpkg-shlibdeps wants a debian/control in the working directory.
shlibdeps() {
  local dir
  dir=$(mktemp -d)
  mkdir -p "$dir/debian"
  printf 'Source: checkpoint\n\nPackage: checkpoint\nArchitecture: any\n' >"$dir/debian/control"
  local abs=()
  for b in "$@"; do abs+=("$(realpath "$b")"); done
  (cd "$dir" && dpkg-shlibdeps -O "${abs[@]}" 2>/dev/null) | sed -n 's/^shlibs:Depends=//p'
  rm -rf "$dir"
}

# deps_yaml turns "a (>= 1), b | c" into nfpm's YAML list.
deps_yaml() {
  echo "$1" | tr ',' '\n' | sed 's/^ *//; s/ *$//' | grep -v '^$' | sed 's/.*/  - "&"/'
}

doc() { # doc PACKAGE: copyright and changelog, as Debian policy wants them
  local d="$stage/doc/$1"
  mkdir -p "$d"
  cat >"$d/copyright" <<COPY
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: checkpoint
Source: https://example.invalid/checkpoint

Files: *
Copyright: 2026 Checkpoint authors
License: Apache-2.0
 On Debian systems the full text of the Apache License 2.0 is in
 /usr/share/common-licenses/Apache-2.0.
COPY
  printf '%s (%s-%s) unstable; urgency=medium\n\n  * Release %s.\n\n -- Checkpoint maintainers <checkpoint@example.invalid>  %s\n' \
    "$1" "$VERSION" "$RELEASE" "$VERSION" "$(date -R -d @"${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct)}")" |
    gzip -9n >"$d/changelog.Debian.gz"
}
doc checkpoint-terminal
doc checkpoint-hub
gzip -9n -c README.md >"$stage/doc/checkpoint-terminal/README.md.gz"
cp checkpoint.example.toml "$stage/doc/checkpoint-terminal/checkpoint.example.toml"

for pkg in terminal hub; do
  if [ $pkg = terminal ]; then
    deps=$(shlibdeps "$stage/bin/checkpoint" "$stage/bin/hctool")
    extra='  - "cage"\n  - "adduser"'
  else
    deps=$(shlibdeps "$stage/bin/hub")
    extra='  - "adduser"'
  fi
  [ -n "$deps" ] || { echo "package: dpkg-shlibdeps found no dependencies for $pkg" >&2; exit 1; }
  cfg="$stage/nfpm-$pkg.yaml"
  { sed "s|\${STAGE}|$stage|g; s|\${VERSION}|$VERSION|g; s|\${RELEASE}|$RELEASE|g; s|\${ARCH}|$ARCH|g" "packaging/nfpm-$pkg.yaml"
    echo "depends:"; deps_yaml "$deps"; printf "$extra\n"; } >"$cfg"
  echo "package: checkpoint-$pkg depends on $deps" >&2
  "$nfpm" package --config "$cfg" --packager deb --target "$out/" >&2
done
ls "$out"/*.deb
