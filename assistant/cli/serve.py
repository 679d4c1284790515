"""`assistant serve`: the HTTP service (web UI, JSON API, OpenAI-compatible API)."""

from __future__ import annotations

import errno
import os
import socket
from typing import Annotated, Any

import typer

from assistant.cli.app import app, fail, settings_or_exit, state
from assistant.config import Settings
from assistant.migrations.errors import SchemaError
from assistant.runtime import Runtime


def listening_socket(host: str, port: int) -> socket.socket:
    """The service's socket, bound before any model loads: a taken port is said at once, by number."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise fail(f"port {port} on {host} is already in use (another assistant, or another program: "
                       f"`ss -ltnp 'sport = :{port}'` shows which). Stop it, or choose another port with "
                       f"--port or server.port in config.yaml.") from exc
        raise fail(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
    sock.listen(2048)
    return sock


def prepare_schema(settings: Settings) -> None:
    """Migrations applied (or, with `database.migrate_on_start` off, the database checked) before any model
    loads: a database that is behind or unusable is said at once, and the service does not start."""
    runtime = Runtime(settings)
    try:
        runtime.database.create_schema()
    except SchemaError as exc:
        raise fail(str(exc)) from exc
    finally:
        runtime.close()


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Listen address (default: server.host).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default: server.port).")] = None,
    workers: Annotated[int | None, typer.Option(
        min=1, max=64, help="Worker processes on the port, each with its own model (default: server.workers).")] = None,
) -> None:
    """Start the assistant's web service."""
    import uvicorn

    from assistant.api.app import create_app
    from assistant.identity.errors import ConfigurationRefused
    from assistant.jsonlog import configure_json_logging

    settings = settings_or_exit()
    sock = listening_socket(host or settings.server.host, port or settings.server.port)
    configure_json_logging(settings.data_path)
    prepare_schema(settings)
    try:
        application = create_app(settings)  # checks the configuration; builds nothing before its start
    except ConfigurationRefused as exc:
        raise fail(str(exc)) from exc
    count = workers or settings.server.workers
    if count == 1:
        uvicorn.Server(uvicorn_config(application)).run(sockets=[sock])
        return
    serve_workers(uvicorn_config(worker_factory(), factory=True, workers=count), sock)


def uvicorn_config(app: Any, factory: bool = False, workers: int = 1) -> Any:
    import uvicorn

    return uvicorn.Config(app, factory=factory, workers=workers, log_level="info", proxy_headers=True,
                          log_config=None, access_log=False)


def worker_factory() -> str:
    """The import string of the workers' app factory; the --config file is handed down to them."""
    from assistant.api.worker import CONFIG_VARIABLE

    if state.config_path is not None:
        os.environ[CONFIG_VARIABLE] = str(state.config_path.resolve())
    return "assistant.api.worker:create_worker_app"


def serve_workers(config: Any, sock: socket.socket) -> None:
    """uvicorn's supervisor on our socket: it starts the workers, restarts a dead one, stops them all on
    SIGINT/SIGTERM."""
    from uvicorn.supervisors import Multiprocess

    Multiprocess(config, sockets=[sock]).run()
