"""The unsubscribe pages in a real headless Chromium: the page renders and its form works."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.tasks.conftest import committed_send

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def chromium() -> str:
    if CHROMIUM is None:
        pytest.skip("chromium is not installed: apt-get install chromium")
    return CHROMIUM


def dump_dom(chromium: str, url: str, profile: Path) -> str:
    """The DOM after the page (and any navigation it starts) has loaded."""
    result = subprocess.run(
        [
            chromium,
            "--headless",
            "--disable-gpu",
            "--no-sandbox",  # tests may run as root in a container
            f"--user-data-dir={profile}",
            "--dump-dom",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def test_the_confirmation_page_renders_with_its_form(chromium, web_url, committed, tmp_path):
    send = committed_send(committed, email="ivan@example.com")

    dom = dump_dom(chromium, f"{web_url}/u/{send['token']}", tmp_path / "profile")

    assert "i***@example.com" in dom
    assert re.search(r'<form method="post">.*<button type="submit">', dom, re.DOTALL)


def test_submitting_the_pages_form_in_the_browser_unsubscribes(
    chromium, web_url, committed, tmp_path
):
    # --dump-dom cannot click, so a local page carries the served form (same fields, the
    # absolute action) and submits it on load; the dump is the page the POST returned.
    send = committed_send(committed, email="ivan@example.com")
    url = f"{web_url}/u/{send['token']}"
    served = dump_dom(chromium, url, tmp_path / "profile")
    form = re.search(r"<form .*?</form>", served, re.DOTALL).group(0)
    form = form.replace('<form method="post">', f'<form method="post" action="{url}">')
    page = tmp_path / "submit.html"
    page.write_text(f"<html><body>{form}<script>document.forms[0].submit()</script></body></html>")

    dom = dump_dom(chromium, page.as_uri(), tmp_path / "profile")

    assert "Вы отписаны" in dom and "i***@example.com" in dom
    with committed.connect() as conn:
        emails = conn.scalars(sa.text("select email from suppressions")).all()
    assert emails == ["ivan@example.com"]
