"""What a failed answer becomes over HTTP: one mapping shared by the JSON, SSE and OpenAI-compatible routes.

Before the first byte, a failure is an HTTP status. Once a stream has begun (its 200 is gone), it is an
explicit error event, and the audit trail records the failure's status instead of the 200.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from assistant.audit import AuditTrail
from assistant.conversations import NotFound
from assistant.llm import LLMError, LLMUnavailable, QueueFull
from assistant.retrieval import UnknownCollection

log = logging.getLogger("assistant.chat")

BUSY = "le modèle est occupé, réessayez"
# What a route lets through as a refusal before its 200; anything else is unexpected (500).
CHAT_ERRORS = (QueueFull, NotFound, UnknownCollection, LLMError)


@dataclass(frozen=True)
class Failure:
    status: int
    message: str
    retry_after: int | None = None

    @property
    def headers(self) -> dict[str, str] | None:
        return {"Retry-After": str(self.retry_after)} if self.retry_after is not None else None

    def event(self) -> dict[str, object]:
        data: dict[str, object] = {"message": self.message, "status": self.status}
        if self.retry_after is not None:
            data["retry_after"] = self.retry_after
        return data


def failure_of(error: BaseException) -> Failure:
    """The status and the French message a user sees; never the backend's own text (URLs, paths)."""
    if isinstance(error, QueueFull):
        return Failure(503, BUSY, error.retry_after_s)
    if isinstance(error, NotFound):
        return Failure(404, "conversation introuvable")
    if isinstance(error, UnknownCollection):
        return Failure(404, str(error))
    if isinstance(error, LLMUnavailable):
        return Failure(503, "le modèle de langue est indisponible, réessayez plus tard", 30)
    if isinstance(error, LLMError):
        return Failure(502, "le modèle de langue a échoué pendant la réponse, réessayez")
    return Failure(500, "la réponse n'a pas pu être produite")


def stream_failed(trail: AuditTrail, error: BaseException) -> Failure:
    """A stream broke after its 200: log it, and have the audit trail record the real outcome."""
    failure = failure_of(error)
    trail.status = failure.status
    if isinstance(error, CHAT_ERRORS):
        log.warning("answer stream failed: %s (%s)", type(error).__name__, failure.status)
    else:
        log.error("answer stream failed unexpectedly", exc_info=error)
    return failure
