#!/bin/sh
# Entrypoint of a Flowgate serving image (generated). MLflow's and SageMaker's contract: `serve` starts the
# scoring server on port 8080 (SAGEMAKER_BIND_TO_PORT or PORT when set) with /ping and /invocations.
set -eu
command="${1:-serve}"
if [ "$command" != "serve" ]; then
  echo "flowgate image: unknown command '$command'; this image only serves ('serve')." >&2
  exit 64
fi
exec node "${FLOWGATE_CLI}" models serve -m "${FLOWGATE_MODEL_DIR}" \
  --host "${FLOWGATE_HOST:-0.0.0.0}" --port "${SAGEMAKER_BIND_TO_PORT:-${PORT:-8080}}" \
  --runtime onnx --cache-dir "${FLOWGATE_CACHE_DIR}"
