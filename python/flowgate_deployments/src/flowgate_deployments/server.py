"""Where the Flowgate server is and how to call it: the target URI (`flowgate` = MLFLOW_TRACKING_URI, or
`flowgate:/http://host:port`), the mlflow client's own credentials (MLFLOW_TRACKING_TOKEN, or
MLFLOW_TRACKING_USERNAME/PASSWORD; MLFLOW_TRACKING_INSECURE_TLS, MLFLOW_TRACKING_SERVER_CERT_PATH), and
server errors raised as the RestException the mlflow client raises for its own calls."""
import os
import urllib.parse

import requests
from mlflow.exceptions import MlflowException, RestException
from mlflow.protos.databricks_pb2 import INVALID_PARAMETER_VALUE, TEMPORARILY_UNAVAILABLE

NATIVE = "/api/flowgate/v1"
MLFLOW = "/api/2.0/mlflow"
TARGET_FORMS = "'flowgate' (the server at MLFLOW_TRACKING_URI) or 'flowgate:/http://host:port'"


def _http(url, what):
    if not url.startswith(("http://", "https://")):
        raise MlflowException(
            f"{what} '{url}' is not an http(s) URL of a Flowgate server; use {TARGET_FORMS}.",
            error_code=INVALID_PARAMETER_VALUE,
        )
    return url.rstrip("/")


def parse_target(target_uri):
    """(server URL, options from the target's query string, e.g. serving_url)."""
    target, _, query = target_uri.partition("?")
    options = {k: v[-1] for k, v in urllib.parse.parse_qs(query).items()}
    scheme, sep, rest = target.partition(":")
    if scheme != "flowgate":
        raise MlflowException(f"Not a Flowgate target: '{target_uri}'; use {TARGET_FORMS}.",
                              error_code=INVALID_PARAMETER_VALUE)
    if not sep or rest in ("", "/"):
        import mlflow

        return _http(mlflow.get_tracking_uri(), "MLFLOW_TRACKING_URI"), options
    if rest.startswith("//"):  # flowgate://host:port
        return _http("http:" + rest, "The target"), options
    return _http(rest[1:] if rest.startswith("/") else rest, "The target"), options


def _auth():
    token = os.environ.get("MLFLOW_TRACKING_TOKEN")
    if token:
        return {"headers": {"Authorization": f"Bearer {token}"}}
    user, password = os.environ.get("MLFLOW_TRACKING_USERNAME"), os.environ.get("MLFLOW_TRACKING_PASSWORD")
    if user and password is not None:
        return {"auth": (user, password)}
    return {}


def _verify():
    if os.environ.get("MLFLOW_TRACKING_INSECURE_TLS", "").lower() == "true":
        return False
    return os.environ.get("MLFLOW_TRACKING_SERVER_CERT_PATH") or True


def call(base_url, method, path, json=None, params=None, timeout=60):
    """One JSON call; an error answer ({"error_code","message"}) is raised as mlflow's RestException."""
    url = f"{base_url}{path}"
    try:
        response = requests.request(method, url, json=json, params=params, timeout=timeout,
                                    verify=_verify(), **_auth())
    except requests.ConnectionError as err:
        raise MlflowException(f"Cannot reach the Flowgate server at {base_url}: {err}",
                              error_code=TEMPORARILY_UNAVAILABLE) from err
    if not response.ok:
        try:
            body = response.json()
        except ValueError:
            body = {}
        if not isinstance(body, dict) or "message" not in body:
            body = {"error_code": "INTERNAL_ERROR",
                    "message": f"HTTP {response.status_code} from {url}: {response.text[:200]}"}
        raise RestException(body)
    return response.json() if response.text else {}
