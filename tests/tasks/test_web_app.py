"""The unsubscribe pages over real HTTP: uvicorn on loopback, the test database behind it."""

from __future__ import annotations

import httpx
import pytest
import sqlalchemy as sa

from tests.tasks.conftest import committed_send

ONE_CLICK = {"List-Unsubscribe": "One-Click"}


@pytest.fixture
def client(web_url):
    with httpx.Client(base_url=web_url, timeout=10) as client:
        yield client


def _suppressions(engine) -> list[sa.Row]:
    with engine.connect() as conn:
        return list(
            conn.execute(sa.text("select email, person_id, reason, source from suppressions"))
        )


def _assert_private(response: httpx.Response) -> None:
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-robots-tag"] == "noindex"


def test_get_shows_the_masked_address_and_a_form_and_changes_nothing(client, committed):
    send = committed_send(committed, email="ivan@example.com")

    response = client.get(f"/u/{send['token']}")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    _assert_private(response)
    assert "i***@example.com" in response.text
    assert "ivan@example.com" not in response.text
    assert '<form method="post">' in response.text
    assert 'name="List-Unsubscribe" value="One-Click"' in response.text
    assert "Отписаться" in response.text and "Unsubscribe" in response.text
    assert _suppressions(committed) == []


def test_one_click_post_unsubscribes_once(client, committed):
    send = committed_send(committed, email="ivan@example.com")

    first = client.post(f"/u/{send['token']}", data=ONE_CLICK)
    second = client.post(f"/u/{send['token']}", data=ONE_CLICK)

    assert first.status_code == 200
    _assert_private(first)
    assert "Вы отписаны" in first.text and "i***@example.com" in first.text
    assert second.status_code == 200
    assert "Вы уже отписаны" in second.text and "already unsubscribed" in second.text
    assert _suppressions(committed) == [
        ("ivan@example.com", send["person_id"], "unsubscribed", f"campaign {send['campaign_id']}")
    ]


def test_a_post_without_a_body_works_too(client, committed):
    # Some clients send the one-click POST with an empty body; the token alone decides.
    send = committed_send(committed)

    assert client.post(f"/u/{send['token']}").status_code == 200
    assert len(_suppressions(committed)) == 1


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_an_unknown_token_is_a_404_page(client, committed, method):
    response = client.request(method, "/u/no-such-token", data=ONE_CLICK)

    assert response.status_code == 404
    _assert_private(response)
    assert "Ссылка недействительна" in response.text
    assert _suppressions(committed) == []


def test_any_other_path_is_the_same_404_page(client):
    response = client.get("/")

    assert response.status_code == 404
    assert "Ссылка недействительна" in response.text
