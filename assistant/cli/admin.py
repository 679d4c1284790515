"""`assistant access NAME` (what a user can see) and `assistant audit list | purge`."""

from __future__ import annotations

import getpass
import json
from datetime import datetime
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from assistant.access import AccessService
from assistant.audit import AuditEvent, AuditLog
from assistant.cli.app import app, fail, runtime_or_exit
from assistant.identity.directory import DirectoryEntry, DirectoryUnavailable, UnknownUser
from assistant.principal import Principal
from assistant.runtime import Runtime

audit_app = typer.Typer(help="Read and purge the audit log.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")


def operator_name() -> str:
    """Who ran the command, for the audit log: the local account (the CLI has no SSO login)."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:operator"


def record_cli(runtime: Runtime, action: str, target: str, status: int = 0, **details: Any) -> None:
    """Commands that look at another user's rights are admin actions: they leave an audit event (status 0
    when they succeeded, 1 otherwise)."""
    AuditLog(runtime.database, runtime.settings.audit).record(
        AuditEvent(operator_name(), action, f"cli {action}", status, "-", target, **details))


def lookup_or_exit(
    runtime: Runtime, username: str, action: str
) -> tuple[AccessService, DirectoryEntry, Principal]:
    access = AccessService.for_runtime(runtime)
    try:
        entry, principal = access.lookup(username)
    except UnknownUser as exc:
        record_cli(runtime, action, f"username={username}", status=1)
        raise fail(f"unknown user '{username}' in the directory ({runtime.settings.directory.backend})",
                   code=1) from exc
    except DirectoryUnavailable as exc:
        raise fail(str(exc), code=1) from exc
    if not entry.enabled:
        record_cli(runtime, action, f"username={username}", status=1)
        raise fail(f"the account '{username}' is disabled in the directory: it cannot log in", code=1)
    return access, entry, principal


@app.command()
def access(
    username: Annotated[str, typer.Argument(help="Login name, as in Keycloak.")],
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """What a user can see: groups, roles, readable collections and documents (from the directory)."""
    runtime = runtime_or_exit()
    service, entry, principal = lookup_or_exit(runtime, username, "access")
    preview = service.preview_of(entry, principal)
    record_cli(runtime, "access", f"username={username}")
    if as_json:
        typer.echo(json.dumps(preview, ensure_ascii=False, indent=2))
        return
    console = Console()
    console.print(f"[bold]{preview['username']}[/]  groups: {', '.join(preview['groups']) or '(none)'}  "
                  f"roles: {', '.join(preview['roles']) or '(none)'}", highlight=False)
    if not preview["can_chat"]:
        console.print("no 'agent' role: the service refuses this user's questions and searches")
    table = Table("collection", "readable by", "documents")
    for item in preview["collections"]:
        table.add_row(item["name"], ", ".join(item["groups"]) or "(every agent)", str(item["documents"]))
    console.print(table)


def _since(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError as exc:
        raise fail(f"--since: not an ISO 8601 date or time: {value!r}", code=1) from exc


@audit_app.command("list")
def list_events(
    user: Annotated[str | None, typer.Option("--user", help="Only this user's events.")] = None,
    since: Annotated[str | None, typer.Option("--since", help="From this ISO 8601 time (UTC if no zone).")] = None,
    action: Annotated[str | None, typer.Option("--action", help="Only this action (chat, search...).")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=100_000, help="Events to show.")] = 100,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """Audit events, newest first."""
    runtime = runtime_or_exit()
    events = AuditLog(runtime.database, runtime.settings.audit).query(user, _since(since), None, action, limit)
    if as_json:
        for event in events:
            typer.echo(json.dumps(event.as_dict(), ensure_ascii=False))
        return
    table = Table("when (UTC)", "user", "action", "status", "collections", "retrieved", "cited", "target")
    for event in events:
        table.add_row(event.at.strftime("%Y-%m-%d %H:%M:%S") if event.at else "", event.username, event.action,
                      str(event.status), ", ".join(event.collections), str(len(event.retrieved)),
                      str(len(event.cited)), event.target)
    Console().print(table)


@audit_app.command("purge")
def purge() -> None:
    """Delete the events older than audit.retention_days."""
    runtime = runtime_or_exit()
    log = AuditLog(runtime.database, runtime.settings.audit)
    deleted = log.purge_older_than()
    typer.echo(f"{deleted} audit events older than {runtime.settings.audit.retention_days} days deleted")
