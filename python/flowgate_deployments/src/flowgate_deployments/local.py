"""`mlflow deployments run-local -t flowgate`: serves the model on this machine with `flowgate models serve`
(the same serving that hosts deployments), in the foreground until interrupted."""
import os
import shutil
import subprocess

from mlflow.exceptions import MlflowException
from mlflow.protos.databricks_pb2 import INVALID_PARAMETER_VALUE


def run_local(name, model_uri, flavor=None, config=None):
    """MLflow calls this as plugin.run_local(name, model_uri, flavor, config) (mlflow/deployments/interface.py)."""
    config = dict(config or {})
    cli = os.environ.get("FLOWGATE_CLI") or shutil.which("flowgate")
    if cli is None:
        raise MlflowException(
            "run-local needs the flowgate command: put it on PATH or set FLOWGATE_CLI to its path.",
            error_code=INVALID_PARAMETER_VALUE)
    unknown = sorted(set(config) - {"port", "host"})
    if unknown:
        raise MlflowException(f"Unknown config {', '.join(unknown)} for run-local; allowed: host, port.",
                              error_code=INVALID_PARAMETER_VALUE)
    args = [cli, "models", "serve", "-m", model_uri, "--port", str(config.get("port", 5000)),
            "--host", str(config.get("host", "127.0.0.1"))]
    print(f"Serving {model_uri} as '{name}' locally: {' '.join(args)}", flush=True)
    try:
        subprocess.run(args, check=True)
    except KeyboardInterrupt:
        pass
    except subprocess.CalledProcessError as err:
        raise MlflowException(f"flowgate models serve exited with status {err.returncode}.") from err
