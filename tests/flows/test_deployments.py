"""prefect.yaml: every deployment points at a real flow and passes parameters that flow accepts."""
import importlib.util
import inspect
from pathlib import Path

import yaml
from prefect import Flow

ROOT = Path(__file__).resolve().parents[2]


def test_every_deployment_entrypoint_is_a_flow_with_those_parameters():
    spec = yaml.safe_load((ROOT / "prefect.yaml").read_text())
    names = set()
    for deployment in spec["deployments"]:
        path, name = deployment["entrypoint"].split(":")
        module_spec = importlib.util.spec_from_file_location(f"deploy_{name}", ROOT / path)
        module = importlib.util.module_from_spec(module_spec)
        module_spec.loader.exec_module(module)
        flow = getattr(module, name)
        assert isinstance(flow, Flow) and flow.name == name
        accepted = set(inspect.signature(flow.fn).parameters)
        assert set(deployment.get("parameters", {})) <= accepted, deployment["name"]
        assert deployment["work_pool"]["name"] == "autodevops"
        names.add(name)
    assert names == {"ingest", "tune", "benchmark", "analyze"}
