"""prefect.yaml is code: every deployment imports, is a flow, and its parameters fit."""

import importlib.util
from pathlib import Path

import pytest
import yaml
from prefect import Flow

from models.settings import PROJECT_ROOT

SPEC = yaml.safe_load((PROJECT_ROOT / "prefect.yaml").read_text())
DEPLOYMENTS = SPEC["deployments"]


def load_flow(entrypoint: str) -> Flow:
    path, name = entrypoint.split(":")
    spec = importlib.util.spec_from_file_location(Path(path).stem, PROJECT_ROOT / path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, name)


def test_definitions_block_has_work_pool_and_schedules():
    assert SPEC["definitions"]["work_pools"]
    assert SPEC["definitions"]["schedules"]
    assert len({d["name"] for d in DEPLOYMENTS}) == len(DEPLOYMENTS)


@pytest.mark.parametrize("deployment", DEPLOYMENTS, ids=lambda d: d["name"])
def test_deployment_entrypoint_is_a_flow_with_matching_parameters(deployment):
    flow = load_flow(deployment["entrypoint"])
    assert isinstance(flow, Flow)
    assert flow.name == deployment["name"]
    assert flow.description, "the docstring shows in the Prefect UI"
    assert deployment["enforce_parameter_schema"] is True
    assert deployment["description"] and deployment["tags"]
    params = deployment.get("parameters", {})
    declared = set(flow.parameters.properties)
    assert set(params) <= declared, f"unknown parameters: {set(params) - declared}"
    assert set(flow.parameters.required or []) <= set(params)
    flow.validate_parameters(params)
    assert "password" not in str(params).lower()
