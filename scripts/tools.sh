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
NFPM_VERSION=v2.48.0 # Debian packages (make package)
# nfpm built by `go install` reports version "dev"; its module version is in the binary.
if ! go version -m "$bin/nfpm" 2>/dev/null | grep -qE "mod[[:space:]]+github.com/goreleaser/nfpm/v2[[:space:]]+$NFPM_VERSION"; then
  echo "tools: installing nfpm $NFPM_VERSION" >&2
  go install "github.com/goreleaser/nfpm/v2/cmd/nfpm@$NFPM_VERSION"
fi
