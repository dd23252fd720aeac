"""The deployment client MLflow's plugin manager hands out for target `flowgate`: each call is one request
to Flowgate's deployments API (/api/flowgate/v1/deployments), and every change is a new revision with a
reason (config `reason`, else one naming the mlflow command)."""
import json
import os
import urllib.parse

import requests
from mlflow.deployments import BaseDeploymentClient, PredictionsResponse
from mlflow.exceptions import MlflowException, RestException
from mlflow.protos.databricks_pb2 import INVALID_PARAMETER_VALUE, NOT_IMPLEMENTED, TEMPORARILY_UNAVAILABLE

from flowgate_deployments import server, spec as specs

# Flowgate serves MLflow models through pyfunc (or ONNX, converted from it); no other flavor is deployed.
FLAVOR = "python_function"


def _no_endpoint(endpoint):
    if endpoint is not None:
        raise specs.invalid("Flowgate deployments have no endpoints: leave out --endpoint.")


def _check_flavor(flavor):
    if flavor not in (None, FLAVOR, "pyfunc"):
        raise specs.invalid(f"Flowgate serves the {FLAVOR} flavor, not '{flavor}': leave out --flavor.")


def _answer(view):
    """A deployment as MLflow's CLI prints it: the API's view plus the flavor it reports."""
    return {**view, "flavor": FLAVOR}


def _path(name, *rest):
    return "/".join([f"{server.NATIVE}/deployments", urllib.parse.quote(name, safe=""), *rest])


class FlowgateDeploymentClient(BaseDeploymentClient):
    """Flowgate deployments through MLflow's deployments API. See `mlflow deployments help -t flowgate`."""

    def __init__(self, target_uri):
        super().__init__(target_uri)
        self.server_url, self.options = server.parse_target(target_uri)

    def _call(self, method, path, **kwargs):
        return server.call(self.server_url, method, path, **kwargs)

    def create_deployment(self, name, model_uri, flavor=None, config=None, endpoint=None):
        _no_endpoint(endpoint)
        _check_flavor(flavor)
        config = dict(config or {})
        specs.check_config(config)
        model, primary = specs.model_and_primary(self.server_url, model_uri)
        spec = specs.apply_config({**specs.base_spec(config), "name": name, "model": model, "primary": primary},
                                  config)
        reason = str(config.get("reason") or f"mlflow deployments create {name} -m {model_uri}")
        answer = self._call("POST", f"{server.NATIVE}/deployments", json={"spec": spec, "reason": reason})
        return _answer(answer["deployment"])

    def update_deployment(self, name, model_uri=None, flavor=None, config=None, endpoint=None):
        """A new revision: the current spec with the new model version (as primary, or as the canary when
        `steps` is given) and the config written over it, refused if another revision was written since it
        was read (or since `expected_revision`)."""
        _no_endpoint(endpoint)
        _check_flavor(flavor)
        config = dict(config or {})
        specs.check_config(config)
        current = self._call("GET", _path(name))["deployment"]
        spec = {**current["spec"], **specs.base_spec(config)}
        new_version = None
        if model_uri is not None:
            model, new_version = specs.model_and_primary(self.server_url, model_uri)
            if model != spec["model"]:
                raise specs.invalid(f"Deployment '{name}' serves model '{spec['model']}', not '{model}'; "
                                    "create another deployment for another model.")
        spec = specs.apply_config(spec, config, new_version)
        expected = int(config.get("expected_revision", current["revision"]))
        what = f" -m {model_uri}" if model_uri is not None else ""
        reason = str(config.get("reason") or f"mlflow deployments update {name}{what}")
        answer = self._call("PUT", _path(name),
                            json={"spec": spec, "reason": reason, "expectedRevision": expected})
        return _answer(answer["deployment"])

    def delete_deployment(self, name, config=None, endpoint=None):
        """Idempotent, as MLflow's interface asks: deleting a deployment that does not exist succeeds."""
        _no_endpoint(endpoint)
        config = dict(config or {})
        reason = str(config.get("reason") or f"mlflow deployments delete {name}")
        try:
            self._call("DELETE", _path(name), params={"reason": reason})
        except RestException as err:
            if err.error_code != "RESOURCE_DOES_NOT_EXIST":
                raise

    def list_deployments(self, endpoint=None):
        _no_endpoint(endpoint)
        views, token = [], None
        while True:
            page = self._call("GET", f"{server.NATIVE}/deployments",
                              params={"max_results": 100, **({"page_token": token} if token else {})})
            views.extend(_answer(v) for v in page.get("deployments", []))
            token = page.get("nextPageToken")
            if not token:
                return views

    def get_deployment(self, name, endpoint=None):
        _no_endpoint(endpoint)
        return _answer(self._call("GET", _path(name))["deployment"])

    def predict(self, deployment_name=None, inputs=None, endpoint=None):
        """Scores on the serving process that hosts the deployment (`flowgate models serve --deployment
        <name>`): its URL comes from the target (`flowgate:/http://server:5000?serving_url=http://…`) or
        FLOWGATE_SERVING_URL, since the server itself never answers predictions."""
        _no_endpoint(endpoint)
        serving = self.options.get("serving_url") or os.environ.get("FLOWGATE_SERVING_URL")
        if not serving:
            raise specs.invalid(
                f"predict needs the serving process of deployment '{deployment_name}': set FLOWGATE_SERVING_URL "
                "or use the target flowgate:/<server>?serving_url=http://host:port (the one running "
                f"`flowgate models serve --deployment {deployment_name}`).")
        url = f"{serving.rstrip('/')}/invocations"
        try:
            response = requests.post(url, data=_scoring_body(inputs), headers={"Content-Type": "application/json"},
                                     timeout=60)
        except requests.ConnectionError as err:
            raise MlflowException(f"Cannot reach the serving process at {serving}: {err}",
                                  error_code=TEMPORARILY_UNAVAILABLE) from err
        if not response.ok:
            try:
                body = response.json()
            except ValueError:
                body = {"error_code": "INTERNAL_ERROR", "message": response.text[:200]}
            raise RestException(body)
        return PredictionsResponse.from_json(response.text)

    def explain(self, deployment_name=None, df=None, endpoint=None):
        raise MlflowException(
            "Flowgate does not compute explanations of predictions; score with `mlflow deployments predict` "
            "and explain offline (e.g. with mlflow.shap).", error_code=NOT_IMPLEMENTED)


def _scoring_body(inputs):
    """MLflow's scoring protocol: a DataFrame as dataframe_split, a dict as given (it names its format), a
    list as `inputs`."""
    try:
        import pandas as pd
    except ImportError:  # pandas comes with mlflow; a slim install may not have it
        pd = None
    if pd is not None and isinstance(inputs, pd.DataFrame):
        return json.dumps({"dataframe_split": json.loads(inputs.to_json(orient="split", index=False))})
    if isinstance(inputs, dict):
        return json.dumps(inputs)
    if isinstance(inputs, (list, tuple)):
        return json.dumps({"inputs": list(inputs)})
    raise MlflowException(f"predict takes a DataFrame, a dict in MLflow's scoring format or a list, "
                          f"not {type(inputs).__name__}.", error_code=INVALID_PARAMETER_VALUE)
