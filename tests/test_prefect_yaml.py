"""prefect.yaml is code: every deployment imports, is a flow, and its parameters fit."""

import copy
import importlib.util
from pathlib import Path

import pytest
import yaml
from prefect import Flow
from typer.testing import CliRunner

from cli.deployments import DeploymentError, check_deployments, check_spec
from cli.main import app
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


# `crm deployments check` (run by `crm serve` before `prefect deploy --all`): the real file
# passes, and each kind of broken entry is refused with a message naming the deployment.


def test_the_checker_passes_the_file_and_every_flow_has_a_deployment():
    checked = check_deployments()
    assert [d.name for d in checked] == [d["name"] for d in DEPLOYMENTS]
    assert {d.work_pool for d in checked} == {"crm-process"}
    by_name = {d.name: d for d in checked}
    assert by_name["reassign-stale-leads"].concurrency == "1 (enqueue)"
    assert by_name["dispatch-due-campaigns"].concurrency == "1 (cancel_new)"
    assert by_name["check-data-quality"].schedules == ["0 2 * * * Europe/Moscow"]


def test_check_data_quality_runs_nightly_with_its_defaults():
    entry = next(d for d in DEPLOYMENTS if d["name"] == "check-data-quality")
    assert entry["entrypoint"] == "flows/check_data_quality.py:check_data_quality"
    assert entry["parameters"] == {"stale_after": "3 months", "stale_grace_days": 2}
    assert entry["tags"] == ["quality"] and entry["concurrency_limit"] == 1
    assert entry["schedules"] == [SPEC["definitions"]["schedules"]["nightly_2am"]]


def _broken(deployment: str, /, **changes) -> dict:
    """The real prefect.yaml with one deployment changed (None removes a key)."""
    spec = copy.deepcopy(SPEC)
    entry = next(d for d in spec["deployments"] if d["name"] == deployment)
    for key, value in changes.items():
        if value is None:
            entry.pop(key)
        else:
            entry[key] = value
    return spec


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (
            _broken("send-campaign", entrypoint="flows/send_campaigns.py:send_campaign"),
            "deployment 'send-campaign': entrypoint 'flows/send_campaigns.py:send_campaign': "
            "no file flows/send_campaigns.py",
        ),
        (
            _broken("send-campaign", entrypoint="flows/send_campaign.py:send"),
            "flows/send_campaign.py has no 'send' (flows: send_campaign)",
        ),
        (
            _broken("send-campaign", entrypoint="flows/send_campaign.py"),
            "is not of the form path/to/file.py:function",
        ),
        (
            _broken("send-campaign", parameters={"campaign_id": "seven"}),
            "deployment 'send-campaign': parameter 'campaign_id' = 'seven': Input should be a "
            "valid integer",
        ),
        (
            _broken("check-data-quality", parameters={"stale_grace_days": -1}),
            "deployment 'check-data-quality': parameter 'stale_grace_days' = -1: Input should "
            "be greater than or equal to 0",
        ),
        (
            _broken("check-data-quality", parameters={"as_of": "tomorrow"}),
            "deployment 'check-data-quality': parameter 'as_of' = 'tomorrow': Input should be a "
            "valid date",
        ),
        (
            _broken("send-campaign", parameters={"campaign": 7}),
            "deployment 'send-campaign': unknown parameter 'campaign' (the flow takes: "
            "campaign_id, occurrence)",
        ),
        (
            _broken("send-campaign", parameters={}),
            "deployment 'send-campaign': required parameter 'campaign_id' has no value",
        ),
        (
            _broken("load-demo-data", parameters={"orgs": 10, "smtp_password": "x"}),
            "parameter 'smtp_password': secrets come from the environment",
        ),
        (
            _broken("reassign-stale-leads", schedules=[{"cron": "0 6 * *", "timezone": "UTC"}]),
            "deployment 'reassign-stale-leads': schedule 1: cron: Invalid cron string",
        ),
        (
            _broken("reassign-stale-leads", schedules=[{"cron": "0 6 * * *"}]),
            "schedule 1: give a cron line and its timezone",
        ),
        (
            _broken(
                "reassign-stale-leads", schedules=[{"cron": "0 6 * * *", "timezone": "Mars/Base"}]
            ),
            "schedule 1: timezone: Invalid timezone",
        ),
        (
            _broken(
                "reassign-stale-leads",
                schedules=[{"cron": "0 6 * * *", "timezone": "UTC", "parameters": {"approval": 1}}],
            ),
            "deployment 'reassign-stale-leads': schedule 1: parameter 'approval' = 1: Input should "
            "be 'auto' or 'manual'",
        ),
        (
            _broken("dispatch-due-campaigns", concurrency_limit={"limit": 1, "collision": "x"}),
            "deployment 'dispatch-due-campaigns': concurrency_limit: unknown key collision",
        ),
        (
            _broken("build-lead-list", concurrency_limit=None),
            "deployment 'build-lead-list': no concurrency_limit",
        ),
        (
            _broken("build-lead-list", enforce_parameter_schema=False),
            "deployment 'build-lead-list': enforce_parameter_schema must be true",
        ),
        (
            _broken("build-lead-list", name="build-leads"),
            "deployment 'build-leads': the flow is named 'build-lead-list'",
        ),
        (
            _broken("build-lead-list", description=None, tags=None),
            "deployment 'build-lead-list': no description",
        ),
    ],
    ids=lambda value: value.split(": ", 1)[-1][:60] if isinstance(value, str) else "spec",
)
def test_a_broken_entry_is_refused_naming_the_deployment(spec, expected):
    with pytest.raises(DeploymentError) as refused:
        check_spec(spec)
    assert expected in str(refused.value), str(refused.value)
    assert all(line.startswith("prefect.yaml: ") for line in str(refused.value).splitlines())


def test_a_flow_without_a_deployment_is_named():
    spec = copy.deepcopy(SPEC)
    spec["deployments"] = [d for d in spec["deployments"] if d["name"] != "load-demo-data"]
    with pytest.raises(DeploymentError) as refused:
        check_spec(spec)
    assert str(refused.value) == (
        "prefect.yaml: flow 'load-demo-data' (flows/load_demo_data.py:load_demo_data_flow) "
        "has no deployment"
    )


def test_a_file_that_is_not_yaml_is_one_clear_line(tmp_path):
    path = tmp_path / "prefect.yaml"
    path.write_text("deployments:\n  - name: x\n   entrypoint: [\n")
    with pytest.raises(DeploymentError, match=r"^prefect.yaml: not valid YAML: .*line 3"):
        check_deployments(path)


def test_crm_deployments_check_lists_them_or_names_the_broken_one(tmp_path):
    shown = CliRunner().invoke(app, ["deployments", "check"])
    assert shown.exit_code == 0, shown.output
    assert f"{len(DEPLOYMENTS)} deployments, one for every flow in flows/" in shown.output
    assert "send-campaign            at most 3 (enqueue)      on demand" in shown.output
    broken = tmp_path / "prefect.yaml"
    broken.write_text(yaml.safe_dump(_broken("send-campaign", parameters={"campaign_id": "x"})))
    refused = CliRunner().invoke(app, ["deployments", "check", "--file", str(broken)])
    assert isinstance(refused.exception, DeploymentError)
    assert "deployment 'send-campaign': parameter 'campaign_id'" in str(refused.exception)
