"""`assistant serve`: the HTTP service (web UI, JSON API, OpenAI-compatible API)."""

from __future__ import annotations

from typing import Annotated

import typer

from assistant.cli.app import app, fail, settings_or_exit


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Listen address (default: server.host).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default: server.port).")] = None,
) -> None:
    """Start the assistant's web service."""
    import uvicorn

    from assistant.api.app import create_app
    from assistant.api.auth import ConfigurationRefused
    from assistant.jsonlog import configure_json_logging

    settings = settings_or_exit()
    configure_json_logging(settings.data_path)
    try:
        application = create_app(settings)
    except ConfigurationRefused as exc:
        raise fail(str(exc)) from exc
    uvicorn.run(application, host=host or settings.server.host, port=port or settings.server.port,
                log_level="info", proxy_headers=True, log_config=None, access_log=False)
