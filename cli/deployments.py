"""`crm deployments check`: prefect.yaml checked before it reaches a server, problems by name.

prefect.yaml is code: every entry must import, be the flow it names, take the parameters it
gives in the types the server will enforce, and run on a schedule and under a concurrency limit
Prefect accepts; every flow in flows/ must have an entry. `crm serve` runs this first, so a
broken entry is one line naming the deployment, not a traceback from `prefect deploy`.
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
import yaml
from pydantic import ValidationError

from models.errors import CrmError
from models.settings import PROJECT_ROOT

if TYPE_CHECKING:
    from prefect import Flow

PREFECT_YAML = PROJECT_ROOT / "prefect.yaml"
_SECRET_WORDS = ("password", "secret", "token")

app = typer.Typer(help="prefect.yaml: the deployments of every flow.", no_args_is_help=True)


class DeploymentError(CrmError):
    """prefect.yaml cannot be deployed; the message says which deployment and why."""


@dataclass(frozen=True)
class Deployment:
    name: str
    entrypoint: str
    work_pool: str
    schedules: list[str]
    concurrency: str


def load_spec(path: Path = PREFECT_YAML) -> dict:
    try:
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DeploymentError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    except yaml.YAMLError as exc:
        raise DeploymentError(f"{path.name}: not valid YAML: {exc}".replace("\n", " ")) from None
    if not isinstance(spec, dict) or not isinstance(spec.get("deployments"), list):
        raise DeploymentError(f"{path.name}: no 'deployments:' list")
    return spec


def load_flow(entrypoint: Any, root: Path = PROJECT_ROOT) -> Flow:
    """The flow an entrypoint `path/to/file.py:function` names; ValueError says what is wrong."""
    path, _, attribute = str(entrypoint).partition(":")
    if not path.endswith(".py") or not attribute:
        raise ValueError(f"entrypoint '{entrypoint}' is not of the form path/to/file.py:function")
    if not (root / path).is_file():
        raise ValueError(f"entrypoint '{entrypoint}': no file {path} in {root}")
    module_name = ".".join(Path(path).with_suffix("").parts)
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:
        raise ValueError(f"entrypoint '{entrypoint}': importing {path} failed: {exc!r}") from None
    from prefect import Flow

    found = getattr(module, attribute, None)
    if not isinstance(found, Flow):
        what = "has no" if found is None else "has no flow named"
        flows = ", ".join(sorted(_flows_in(module))) or "none"
        raise ValueError(f"entrypoint '{entrypoint}': {path} {what} '{attribute}' (flows: {flows})")
    return found


def _flows_in(module) -> dict[str, Flow]:
    """The flows a module defines (not those it imports)."""
    from prefect import Flow

    return {
        name: value
        for name, value in vars(module).items()
        if isinstance(value, Flow) and value.fn.__module__ == module.__name__
    }


def _reasons(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(map(str, e['loc']))}: {e['msg'].removeprefix('Value error, ')}"
        for e in exc.errors()
    )


def parameter_problems(flow: Flow, parameters: Any) -> list[str]:
    """What the server (JSON schema) and the flow (pydantic) would refuse in these defaults."""
    from prefect.utilities.schema_tools import validate

    if not isinstance(parameters, dict):
        return [f"parameters must be a mapping, not {type(parameters).__name__}"]
    declared = flow.parameters.properties
    problems = [
        f"unknown parameter '{name}' (the flow takes: {', '.join(declared)})"
        for name in parameters
        if name not in declared
    ]
    problems += [
        f"required parameter '{name}' has no value"
        for name in flow.parameters.required or []
        if name not in parameters
    ]
    problems += [
        f"parameter '{name}': secrets come from the environment, never from prefect.yaml"
        for name in parameters
        if any(word in name.lower() for word in _SECRET_WORDS)
    ]
    known = {k: v for k, v in parameters.items() if k in declared}
    # The server checks the JSON schema (and says which value); the flow run then checks the
    # types with pydantic (and says more about dates and unions): both must pass.
    schema = {
        ".".join(map(str, error.path)) or "parameters": error.message
        for error in validate(known, flow.parameters.model_dump(), ignore_required=True)
    }
    typed = _typing_problems(flow, known)
    for name in dict.fromkeys([*schema, *typed]):
        if name in typed:
            problems.append(f"parameter '{name}' = {known.get(name)!r}: {typed[name]}")
        else:
            problems.append(f"parameter '{name}': {schema[name]}")
    return problems


def _typing_problems(flow: Flow, parameters: dict) -> dict[str, str]:
    from prefect.exceptions import ParameterTypeError

    flows_log = logging.getLogger("prefect.flows")  # it would log what we report
    was, flows_log.disabled = flows_log.disabled, True
    try:
        flow.validate_parameters(parameters)
    except ParameterTypeError as exc:
        lines = [line.strip(" -").partition(": ") for line in str(exc).splitlines()[1:]]
        return {name: reason for name, _, reason in lines}
    finally:
        flows_log.disabled = was
    return {}


def schedule_problems(schedules: Any) -> tuple[list[str], list[str]]:
    """(descriptions, problems) of a deployment's schedules: cron lines with a time zone."""
    from prefect.client.schemas.schedules import CronSchedule

    if schedules is None:
        return [], []
    if not isinstance(schedules, list):
        return [], ["schedules must be a list (empty for a flow run on demand)"]
    described, problems = [], []
    for number, item in enumerate(schedules, start=1):
        if not isinstance(item, dict) or "cron" not in item or "timezone" not in item:
            problems.append(f"schedule {number}: give a cron line and its timezone")
            continue
        try:
            CronSchedule(cron=item["cron"], timezone=item["timezone"])
        except ValidationError as exc:
            problems.append(f"schedule {number}: {_reasons(exc)}")
            continue
        given = ", ".join(f"{k}={v}" for k, v in (item.get("parameters") or {}).items())
        described.append(f"{item['cron']} {item['timezone']}" + (f" ({given})" if given else ""))
    return described, problems


def concurrency_problems(limit: Any) -> tuple[str, list[str]]:
    from prefect.client.schemas.objects import ConcurrencyLimitConfig

    if limit is None:
        return "", ["no concurrency_limit: say how many runs may overlap (1: none)"]
    if isinstance(limit, bool) or not isinstance(limit, int | dict):
        return "", [f"concurrency_limit must be a number or {{limit, collision_strategy}}: {limit}"]
    if isinstance(limit, dict) and (
        unknown := set(limit) - set(ConcurrencyLimitConfig.model_fields)
    ):
        return "", [f"concurrency_limit: unknown key {', '.join(sorted(unknown))}"]
    try:
        config = ConcurrencyLimitConfig(**limit if isinstance(limit, dict) else {"limit": limit})
    except ValidationError as exc:
        return "", [f"concurrency_limit: {_reasons(exc)}"]
    if config.limit < 1:
        return "", ["concurrency_limit must be at least 1"]
    return f"{config.limit} ({config.collision_strategy.value.lower()})", []


def deployment_problems(entry: Any, root: Path = PROJECT_ROOT) -> tuple[Deployment | None, list]:
    """One entry of `deployments:` checked; its problems, each a short phrase."""
    if not isinstance(entry, dict):
        return None, ["an entry of deployments: is not a mapping"]
    problems = []
    try:
        flow = load_flow(entry.get("entrypoint"), root)
    except ValueError as exc:
        flow, problems = None, [str(exc)]
    if flow is not None:
        if flow.name != entry.get("name"):
            problems.append(f"the flow is named '{flow.name}': name the deployment after it")
        defaults = entry.get("parameters") or {}
        problems += parameter_problems(flow, defaults)
        for number, item in enumerate(entry.get("schedules") or [], start=1):
            if isinstance(item, dict) and isinstance(defaults, dict) and item.get("parameters"):
                merged = {**defaults, **item["parameters"]}
                problems += [f"schedule {number}: {p}" for p in parameter_problems(flow, merged)]
    if not str(entry.get("description") or "").strip():
        problems.append("no description (it is what the UI shows)")
    if not entry.get("tags") or not isinstance(entry["tags"], list):
        problems.append("no tags")
    if entry.get("enforce_parameter_schema") is not True:
        problems.append("enforce_parameter_schema must be true")
    pool = entry.get("work_pool")
    pool = pool.get("name") if isinstance(pool, dict) else None
    if not pool:
        problems.append("no work_pool with a name")
    schedules, more = schedule_problems(entry.get("schedules"))
    concurrency, still_more = concurrency_problems(entry.get("concurrency_limit"))
    problems += more + still_more
    found = Deployment(
        str(entry.get("name")), str(entry.get("entrypoint")), pool or "", schedules, concurrency
    )
    return found, problems


def undeployed_flows(entrypoints: set[str], root: Path = PROJECT_ROOT) -> list[str]:
    """Flows of flows/*.py that no deployment names."""
    missing = []
    for path in sorted((root / "flows").glob("*.py")):
        if path.stem.startswith("_"):
            continue
        relative = path.relative_to(root).as_posix()
        module = importlib.import_module(".".join(Path(relative).with_suffix("").parts))
        for attribute, flow in sorted(_flows_in(module).items()):
            if f"{relative}:{attribute}" not in entrypoints:
                missing.append(f"flow '{flow.name}' ({relative}:{attribute}) has no deployment")
    return missing


def check_spec(spec: dict, root: Path = PROJECT_ROOT, source: str = "prefect.yaml") -> list:
    """Every deployment of a parsed prefect.yaml; DeploymentError lists every problem."""
    problems, found, names = [], [], set()
    for number, entry in enumerate(spec.get("deployments") or [], start=1):
        deployment, wrong = deployment_problems(entry, root)
        name = entry.get("name") if isinstance(entry, dict) else None
        label = f"deployment '{name}'" if name else f"deployment #{number} (no name)"
        if name in names:
            wrong.append("a second deployment with this name")
        names.add(name)
        problems += [f"{source}: {label}: {problem}" for problem in wrong]
        if deployment is not None:
            found.append(deployment)
    entrypoints = {d.entrypoint for d in found}
    problems += [f"{source}: {line}" for line in undeployed_flows(entrypoints, root)]
    if problems:
        raise DeploymentError("\n".join(problems))
    return found


def check_deployments(path: Path = PREFECT_YAML, root: Path = PROJECT_ROOT) -> list[Deployment]:
    """prefect.yaml read and checked: what `crm serve` runs before `prefect deploy --all`."""
    return check_spec(load_spec(path), root, path.name)


@app.command()
def check(
    file: Path = typer.Option(PREFECT_YAML, "--file", help="The prefect.yaml to check."),
) -> None:
    """Check every deployment: entrypoint, parameters, schedules, limits; every flow has one."""
    deployments = check_deployments(file)
    typer.echo(f"{file.name}: {len(deployments)} deployments, one for every flow in flows/")
    width = max(len(d.name) for d in deployments)
    for d in deployments:
        when = "; ".join(d.schedules) or "on demand"
        typer.echo(f"  {d.name:<{width}}  at most {d.concurrency:<16} {when}")
