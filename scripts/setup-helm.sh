#!/usr/bin/env bash
# Builds the helm binary the Helm chart tests render deploy/helm/flowgate with (helm template), from the Go module
# proxy, into .services/bin/helm. Skipped when that helm is already the pinned version (~1m40s to build).
set -euo pipefail
cd "$(dirname "$0")/.."
HELM_VERSION=v3.22.0
bin="$PWD/.services/bin"
# A helm built by `go install` reports only major.minor (no release ldflags): compare those.
if [ -x "$bin/helm" ] && "$bin/helm" version --template '{{.Version}}' 2>/dev/null | grep -q "^${HELM_VERSION%.*}"; then
  exit 0
fi
if ! command -v go >/dev/null 2>&1; then
  echo "setup-helm: go is needed to build helm $HELM_VERSION (or put a helm binary at $bin/helm)" >&2
  exit 1
fi
mkdir -p "$bin"
echo "setup-helm: building helm $HELM_VERSION into $bin" >&2
GOBIN="$bin" GOFLAGS=-mod=mod go install "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
