"""A deployment spec from what `mlflow deployments` gives a plugin: the model URI (models:/<name>/<version>,
models:/<name>@<alias>, models:/<name>/<stage> or models:/<name>/latest) and `-C key=value` config. Values
from the CLI are strings; from Python they may also be numbers and dicts. The server validates the result."""
import json
import re
from pathlib import Path

import yaml
from mlflow.exceptions import MlflowException
from mlflow.protos.databricks_pb2 import INVALID_PARAMETER_VALUE

from flowgate_deployments import server

MODEL_URI = re.compile(r"^models:/(?P<name>[^/@]+)(?:@(?P<alias>[^/]+)|/(?P<ref>[^/]+))/?$")
URI_FORMS = "models:/<name>/<version>, models:/<name>@<alias>, models:/<name>/<stage> or models:/<name>/latest"

CONFIG_KEYS = {
    "reason", "spec", "shadow", "canary", "steps", "max_weight", "analysis", "warm", "track_alias",
    "policy", "strategy", "expected_revision",
}


def invalid(message):
    return MlflowException(message, error_code=INVALID_PARAMETER_VALUE)


def check_config(config):
    unknown = sorted(set(config) - CONFIG_KEYS)
    if unknown:
        raise invalid(f"Unknown config {', '.join(unknown)} for the flowgate target; "
                      f"allowed: {', '.join(sorted(CONFIG_KEYS))} (see `mlflow deployments help -t flowgate`).")


def model_and_primary(base_url, model_uri):
    """(registered model, primary) where primary is a version number, "@alias" or "stage:<Stage>": the
    server resolves an alias or stage once, when the revision is written."""
    match = MODEL_URI.match(model_uri or "")
    if match is None:
        raise invalid(f"Flowgate deploys registered model versions, not '{model_uri}': use {URI_FORMS}.")
    name, alias, ref = match.group("name"), match.group("alias"), match.group("ref")
    if alias is not None:
        return name, f"@{alias}"
    if ref.isdigit():
        return name, ref
    if ref.lower() == "latest":
        answer = server.call(base_url, "POST", f"{server.MLFLOW}/registered-models/get-latest-versions",
                             json={"name": name})
        versions = [int(v["version"]) for v in answer.get("model_versions", [])]
        if not versions:
            raise invalid(f"Registered model '{name}' has no versions to deploy.")
        return name, str(max(versions))
    return name, f"stage:{ref}"


def _document(value, what):
    """A dict as given, a JSON string, or the path of a YAML or JSON file."""
    if isinstance(value, dict):
        return value
    text = str(value)
    if not text.lstrip().startswith("{"):
        path = Path(text)
        if not path.is_file():
            raise invalid(f"{what} must be a JSON object or the path of a YAML or JSON file; '{text}' is neither.")
        text = path.read_text()
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise invalid(f"{what} is not valid YAML or JSON: {err}") from err
    if not isinstance(doc, dict):
        raise invalid(f"{what} must be a mapping.")
    return doc


def _percent(value, what):
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = -1
    if not 0 <= number <= 100:
        raise invalid(f"{what} must be a percentage from 0 to 100, not '{value}'.")
    return int(number) if number == int(number) else number


def _count(value, what):
    if not re.fullmatch(r"\d+", str(value)):
        raise invalid(f"{what} must be a non-negative integer, not '{value}'.")
    return int(value)


def parse_steps(raw):
    """"10,pause:5m,50,pause,analysis:error-rate,100" → Argo-style canary steps (as `flowgate deployments`)."""
    steps = []
    for step in (s.strip() for s in str(raw).split(",")):
        if not step:
            continue
        if re.fullmatch(r"\d+(\.\d+)?%?", step):
            steps.append({"setWeight": _percent(step.rstrip("%"), "A step weight")})
        elif step == "pause":
            steps.append({"pause": {}})
        elif m := re.fullmatch(r"pause:(\d+[smhd]?)", step):
            duration = m.group(1)
            steps.append({"pause": {"duration": int(duration) if duration.isdigit() else duration}})
        elif m := re.fullmatch(r"analysis:(.+)", step):
            steps.append({"analysis": {"templates": m.group(1).split("+")}})
        else:
            raise invalid(f"Invalid step '{step}': steps are weights (10), pauses (pause, pause:5m) and "
                          "analyses (analysis:<template>+<template>), e.g. steps=10,pause:5m,50,100.")
    if not steps:
        raise invalid("steps is empty: e.g. steps=10,pause:5m,50,100.")
    return steps


def _shadow(value):
    if isinstance(value, dict):
        return value
    version, _, pct = str(value).partition(":")
    if not version:
        raise invalid(f"Invalid shadow '{value}': use <version>[:<percent>], e.g. shadow=4:20.")
    return {"version": version, "percent": _percent(pct, "The shadow percentage") if pct else 100}


def _policy(value, current):
    doc = _document(value, "policy")
    return doc if "values" in doc else {**(current or {}), "values": doc}


def apply_config(spec, config, new_version=None):
    """Writes the config over a spec (a copy). `new_version` is update's model version: with steps it is
    the canary ramped up, otherwise it becomes the primary and the strategy is dropped."""
    spec = json.loads(json.dumps(spec))
    canary = config.get("canary")
    if new_version is not None:
        if "steps" in config and canary is None:
            canary = new_version
        else:
            spec["primary"] = new_version
            spec.pop("strategy", None)
    if str(config.get("strategy", "")).lower() == "none":
        spec.pop("strategy", None)
    if "steps" in config and canary is None:
        raise invalid("steps needs a canary: canary=<version> (or update with a new model URI).")
    if canary is not None:
        strategy = {"version": str(canary), "steps": parse_steps(config.get("steps", "100"))}
        if "max_weight" in config:
            strategy["maxWeight"] = _percent(config["max_weight"], "max_weight")
        if config.get("analysis"):
            strategy["analysis"] = {"templates": str(config["analysis"]).split("+")}
        spec["strategy"] = {"canary": strategy}
    if "shadow" in config:
        if str(config["shadow"]).lower() in ("", "none"):
            spec.pop("shadow", None)
        else:
            spec["shadow"] = _shadow(config["shadow"])
    if "warm" in config:
        spec["warm"] = _count(config["warm"], "warm")
    if "track_alias" in config:
        spec["track"] = {"alias": str(config["track_alias"])}
    if "policy" in config:
        spec["policy"] = _policy(config["policy"], spec.get("policy"))
    return spec


def base_spec(config):
    """The `spec` config (a dict, JSON, or a YAML/JSON file) the other keys are written over."""
    return _document(config["spec"], "spec") if "spec" in config else {}
