"""The server answers the probes the mlflow client makes before anything else."""
import requests


def test_health_and_version(flowgate):
    assert requests.get(f"{flowgate.url}/health").text == "OK"
    version = requests.get(f"{flowgate.url}/version").text
    assert version.split(".")[0] in ("2", "3")
