#!/usr/bin/env bash
# The README's first command: install, build and start Flowgate on the embedded defaults
# (SQLite at ./flowgate.db, artifacts in ./flowgate-artifacts, http://127.0.0.1:5000). Extra arguments go to
# `flowgate server`.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -L node_modules ] && { [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; }; then
  ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-fund --no-audit
fi
npm run --silent build
exec node bin/flowgate.js server "$@"
