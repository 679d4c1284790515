"""Structured logs: one JSON object per line, without personal data or secrets.

Usernames are personal data: a log line carries only a stable pseudonym, HMAC-SHA256 of the username under
a per-installation secret kept in the data directory (created on first use, never logged). The same user
gets the same pseudonym across restarts, so an operator can follow one user's requests without learning
who it is; the audit log (access-controlled) is where names are.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import re
import secrets
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

KEY_FILE = "log-pseudonym.key"
# Only these `extra=` fields reach a line: anything else a caller passes is dropped, not leaked.
_ALLOWED_EXTRAS = ("event", "method", "route", "status", "duration_ms", "action")
# HTTP clients log outbound URLs at INFO; their query strings can hold usernames (directory lookups).
_URL_LOGGERS = ("httpx", "httpx2", "httpcore", "urllib3")
_SECRETS = [
    (re.compile(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*"), "[jwt]"),
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+"), r"\1 [redacted]"),
    (re.compile(r"(?i)((?:access_|refresh_|id_)?token|secret|password|api_key)=[^&\s]+"), r"\1=[redacted]"),
]


@dataclass
class LogContext:
    """Set per request by the HTTP layer; read by every log line emitted while the request runs."""

    request_id: str
    username: str | None = None


current_context: ContextVar[LogContext | None] = ContextVar("assistant_log_context", default=None)


class Pseudonymizer:
    def __init__(self, key_path: Path) -> None:
        self._path = key_path
        self._key: bytes | None = None

    def pseudonym(self, username: str) -> str:
        digest = hmac.new(self._secret(), username.encode("utf-8"), hashlib.sha256).hexdigest()
        return "u-" + digest[:16]

    def _secret(self) -> bytes:
        if self._key is None:
            self._key = _read_or_create_key(self._path)
        return self._key


def _read_or_create_key(path: Path) -> bytes:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_hex(32))
        try:
            os.link(temporary, path)  # atomic, and fails if another process created the key first
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
    return bytes.fromhex(path.read_text().strip())


def redact(message: str) -> str:
    for pattern, replacement in _SECRETS:
        message = pattern.sub(replacement, message)
    return message


class JsonFormatter(logging.Formatter):
    def __init__(self, pseudonymizer: Pseudonymizer) -> None:
        super().__init__()
        self._pseudonymizer = pseudonymizer

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(), "logger": record.name, "message": redact(record.getMessage()),
        }
        line.update({key: getattr(record, key) for key in _ALLOWED_EXTRAS if hasattr(record, key)})
        context = current_context.get()
        if context is not None:
            line["request_id"] = context.request_id
            if context.username:
                line["user"] = self._pseudonymizer.pseudonym(context.username)
        if record.exc_info:
            line["error"] = redact(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False, default=str)


def configure_json_logging(data_dir: Path, level: int = logging.INFO) -> None:
    """Every logger (uvicorn's included) writes JSON lines to stderr; uvicorn's access log, which would
    print client addresses and query strings (questions), is replaced by the audit layer's request lines."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter(Pseudonymizer(data_dir / KEY_FILE)))
    handler.setLevel(level)  # some libraries (bm25s) set their own loggers to DEBUG
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    logging.getLogger("uvicorn.access").disabled = True
    for name in _URL_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    logging.captureWarnings(True)
