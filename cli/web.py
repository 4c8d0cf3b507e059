"""`crm serve-web`: the public pages (unsubscribe links of campaign letters, survey links)."""

from __future__ import annotations

import typer

from models import store
from models.settings import get_settings


def serve_web(
    host: str = typer.Option("127.0.0.1", help="Address to listen on (0.0.0.0 for all)."),
    port: int | None = typer.Option(
        None, min=1, max=65535, help="Port to listen on (default: WEB_PORT, 8080)."
    ),
) -> None:
    """Serve the pages that links in letters point to: unsubscribing, and the survey."""
    import uvicorn

    from tasks.web_app import make_app

    settings = get_settings()
    port = port or settings.web_port
    # Connect and migrate before listening: a wrong DATABASE_URL is one line now, not a 500
    # on the first recipient's click.
    store.get_engine()
    typer.echo(f"serving on http://{host}:{port} (links in letters use {settings.public_url})")
    uvicorn.run(make_app(), host=host, port=port, log_level="info")
