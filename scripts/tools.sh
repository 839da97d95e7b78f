#!/usr/bin/env bash
# Installs the pinned Go tools the checks use, through the Go module proxy.
# A no-op when the pinned version is already there.
set -euo pipefail
STATICCHECK_VERSION=v0.8.2 # staticcheck 2026.1.x, supports Go 1.26
bin="$(go env GOPATH)/bin"
if ! "$bin/staticcheck" -version 2>/dev/null | grep -qF "(${STATICCHECK_VERSION#v})"; then
  echo "tools: installing staticcheck $STATICCHECK_VERSION" >&2
  go install "honnef.co/go/tools/cmd/staticcheck@$STATICCHECK_VERSION"
fi
