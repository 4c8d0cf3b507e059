"""Browser check: the Prefect UI, opened in headless Chromium, lists the project's deployments.

    .venv/bin/python scripts/check_prefect_ui.py [--url http://127.0.0.1:4200] [--chromium PATH]

Reads the deployment names from prefect.yaml, renders the UI's Deployments page (a single-page
app: Chromium runs its scripts against the server's API for a virtual-time budget, then dumps
the DOM) and looks for each name. Exit 0 when all are listed, 1 naming those that are not (or
when the page says it cannot reach the API), 2 when Chromium is not installed.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
API_UNREACHABLE = "Can't connect to Server API"


def find_chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def rendered_dom(chromium: str, url: str, budget_ms: int = 20_000) -> str:
    """The page's DOM once its scripts have run for `budget_ms` of virtual time."""
    with tempfile.TemporaryDirectory(prefix="ui-check-") as profile:
        done = subprocess.run(
            [
                chromium,
                "--headless",
                "--disable-gpu",
                "--no-sandbox",  # root in a container
                f"--user-data-dir={profile}",
                f"--virtual-time-budget={budget_ms}",
                "--dump-dom",
                url,
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
    if done.returncode != 0:
        raise RuntimeError(f"chromium exited with {done.returncode}: {done.stderr[-500:]}")
    return done.stdout


def deployment_names(prefect_yaml: Path = ROOT / "prefect.yaml") -> list[str]:
    return [d["name"] for d in yaml.safe_load(prefect_yaml.read_text())["deployments"]]


def missing_deployments(ui_url: str, names: list[str], chromium: str, tries: int = 2) -> list[str]:
    """The names the Deployments page does not show; the first load of a cold UI may be slow."""
    missing = list(names)
    for _ in range(tries):
        dom = rendered_dom(chromium, f"{ui_url.rstrip('/')}/deployments")
        if API_UNREACHABLE in dom:
            raise RuntimeError(f"the UI at {ui_url} cannot reach its API (PREFECT_UI_API_URL)")
        missing = [name for name in names if name not in dom]
        if not missing:
            break
    return missing


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:4200", help="the Prefect UI")
    parser.add_argument("--chromium", default=find_chromium(), help="the browser binary")
    args = parser.parse_args()
    if not args.chromium:
        print("chromium is not installed (apt-get install chromium)", file=sys.stderr)
        return 2
    names = deployment_names()
    try:
        missing = missing_deployments(args.url, names, args.chromium)
    except RuntimeError as error:
        print(f"ui check: {error}", file=sys.stderr)
        return 1
    if missing:
        print(f"ui check: not listed at {args.url}/deployments: {', '.join(missing)}")
        return 1
    print(f"ui check: all {len(names)} deployments listed at {args.url}/deployments")
    return 0


if __name__ == "__main__":
    sys.exit(main())
