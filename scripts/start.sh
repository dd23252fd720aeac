#!/usr/bin/env bash
# The README's first command: install, build and start Flowgate on the embedded defaults
# (SQLite at ./flowgate.db, artifacts in ./flowgate-artifacts, http://127.0.0.1:5000). Extra arguments go to
# `flowgate server`. A brand-new server gets a demo experiment and model (through the real mlflow client, when
# the Python venv from ./scripts/setup-python.sh is there) so the UI shows something real; FLOWGATE_DEMO=0
# turns that off.
set -euo pipefail
cd "$(dirname "$0")/.."
# A first start installs and builds for a minute or two: say what is happening, and how long each step took.
step() { echo "flowgate: $*" >&2; step_started=$SECONDS; }
done_step() { echo "flowgate:   done in $((SECONDS - step_started))s" >&2; }
if [ ! -L node_modules ] && { [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; }; then
  step "installing the server's npm packages (first start only, about a minute)"
  ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-fund --no-audit
  done_step
fi
# The web UI has its own dependencies (React, Vite) in ui/node_modules.
if [ ! -d ui/node_modules ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
  step "installing the web UI's npm packages"
  npm --prefix ui ci --no-fund --no-audit
  done_step
fi
step "building the server and the web UI"
npm run --silent build
done_step

port=5000
prev=""
for arg in "$@"; do
  [ "$prev" = "--port" ] && port=$arg
  case $arg in --port=*) port=${arg#--port=} ;; esac
  prev=$arg
done
url="http://127.0.0.1:$port"
if [ "${FLOWGATE_DEMO:-1}" != "0" ]; then
  # The demo is logged by the real mlflow client; on a first start its venv is set up in the background
  # while the server already answers.
  [ -x .venvs/mlflow3/bin/python ] || echo "flowgate: setting up the mlflow client for the demo data in the background" >&2
  (
    ./scripts/setup-python.sh mlflow3 >/dev/null 2>&1 || { echo "flowgate: no demo data (./scripts/setup-python.sh failed)" >&2; exit 0; }
    for _ in $(seq 1 60); do curl -fsS "$url/health" >/dev/null 2>&1 && break; sleep 0.5; done
    .venvs/mlflow3/bin/python scripts/demo_seed.py "$url" --if-empty >/dev/null 2>&1 &&
      echo "flowgate: demo experiment and model ready at $url (FLOWGATE_DEMO=0 to skip)" >&2
  ) &
fi
step "starting the server"
(
  for _ in $(seq 1 240); do
    kill -0 $$ 2>/dev/null || exit 0 # the server stopped before it answered; it said why
    if curl -fsS "$url/health" >/dev/null 2>&1; then
      echo "Flowgate is up: $url" >&2
      exit 0
    fi
    sleep 0.5
  done
) &
# The max_latency gate's smoke benchmark loads models with a Python that has mlflow: the venv, once it is there.
[ -n "${FLOWGATE_PYTHON:-}" ] || export FLOWGATE_PYTHON="$PWD/.venvs/mlflow3/bin/python"
exec node bin/flowgate.js server "$@"
