"""Questions that mix documents and data (« que dit la délibération sur la piscine, et combien d'habitants
compte la commune ? »): the chat answers the documents, and this adds the table answer of the data part, for
users who may ask data questions (role `analyst`)."""

from __future__ import annotations

import re
from typing import Any

from assistant.analysis.service import AnalysisService
from assistant.principal import Principal

_DATA_PART = re.compile(
    r"(?:,\s*|\s+)(?:et|puis|ainsi que)\s+(?=(?:combien|quel|quelle|quels|quelles|nombre|population|taux|"
    r"part|densit[ée]|évolution|evolution)\b)", re.IGNORECASE)


def data_part(question: str) -> str | None:
    """The data sub-question after « , et combien... », « et quelle est la population... », if any."""
    match = _DATA_PART.search(question)
    if match is None:
        return None
    part = question[match.end():].strip()
    return part[:1].upper() + part[1:] if part else None


class DataCompanion:
    def __init__(self, analysis: AnalysisService) -> None:
        self.analysis = analysis

    def answer(self, principal: Principal, question: str) -> dict[str, Any] | None:
        """The data answer of the question's data part, or None (no such part, no role, nothing computed)."""
        if not (principal.is_operator or "analyst" in principal.roles):
            return None
        part = data_part(question)
        if part is None or not self.analysis.readable(principal):
            return None
        answer = self.analysis.ask(principal, part)
        if answer.status != "answered" or answer.method != "parser":
            return None
        return answer.payload()


def appended_text(payload: dict[str, Any]) -> str:
    sources = "; ".join(f"{d['title']}, {d['vintage']}, {d['licence']}" for d in payload["datasets"])
    return f"\n\nDonnées : {payload['narrative']} (Source : {sources}.)"
