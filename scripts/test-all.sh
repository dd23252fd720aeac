#!/usr/bin/env bash
# The README's test command: installs the project's dependencies (npm, Python venvs with the real mlflow
# client) and runs every suite. Safe to run again: installs are skipped when up to date.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -L node_modules ] && { [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; }; then
  ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-fund --no-audit
fi
# The web UI has its own dependencies (React, Vite) in ui/node_modules.
if [ ! -d ui/node_modules ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
  npm --prefix ui ci --no-fund --no-audit
fi
./scripts/setup-python.sh
npm test
