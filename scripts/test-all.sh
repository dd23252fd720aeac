#!/usr/bin/env bash
# The README's test command: installs the project's dependencies (npm, Chromium for the browser tests, Python
# venvs with the real mlflow client) and runs every suite. Safe to run again: installs are skipped when up to date.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -L node_modules ] && { [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; }; then
  ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-fund --no-audit
fi
# The web UI has its own dependencies (React, Vite) in ui/node_modules.
if [ ! -d ui/node_modules ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
  npm --prefix ui ci --no-fund --no-audit
fi
# The browser tests drive a system Chromium (CHROMIUM_PATH, else /usr/bin/chromium): installed with apt when
# missing and we are root; otherwise say how, since those tests cannot run without it.
if [ -z "${CHROMIUM_PATH:-}" ] && ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "test-all: installing chromium for the browser tests (apt-get)" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq chromium >/dev/null
  else
    echo "test-all: no chromium found; install it (e.g. sudo apt-get install chromium) or set CHROMIUM_PATH" >&2
    exit 1
  fi
fi
# The real servers the S3, replica and streaming tests start on loopback: Redis (Streams), NATS (JetStream),
# HAProxy (in front of two Flowgate servers) and the AWS CLI (a second S3 client). Debian packages, as root.
missing=()
for bin in redis-server:redis-server nats-server:nats-server haproxy:haproxy /usr/bin/aws:awscli; do # the tests call /usr/bin/aws: a pyenv `aws` shim is not it
  command -v "${bin%%:*}" >/dev/null 2>&1 || [ -x "/usr/sbin/${bin%%:*}" ] || missing+=("${bin##*:}")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "test-all: installing ${missing[*]} (apt-get)" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "test-all: missing ${missing[*]}; install them (e.g. sudo apt-get install ${missing[*]})" >&2
    exit 1
  fi
fi
./scripts/setup-kafka.sh & kafka_setup=$! # the streaming tests' broker jars (Maven), beside the venvs
./scripts/setup-helm.sh & helm_setup=$! # helm for the chart tests (Go build), beside the venvs
./scripts/setup-python.sh
wait "$helm_setup"
wait "$kafka_setup"
npm test
