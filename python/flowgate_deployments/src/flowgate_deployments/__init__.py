"""MLflow deployments plugin for Flowgate (entry point group `mlflow.deployments`, target name `flowgate`).

`mlflow deployments create -t flowgate -m models:/fraud-detector/3 --name fraud` and
`mlflow.deployments.get_deploy_client("flowgate")` write Flowgate deployments: named, revisioned specs that
pin model versions (with shadow, canary, A/B and blue/green strategies), each change a new revision with a
reason. MLflow's plugin manager wants, in this module, exactly one BaseDeploymentClient subclass plus
`run_local` and `target_help`.
"""
from flowgate_deployments.client import FlowgateDeploymentClient
from flowgate_deployments.local import run_local
from flowgate_deployments.usage import target_help

__all__ = ["FlowgateDeploymentClient", "run_local", "target_help"]
