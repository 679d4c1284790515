"""Cutting a message into the parts that may each raise a different topic."""

from __future__ import annotations

import re

# Sentence ends, line breaks, and the connectors French writers use to move to another subject.
_BOUNDARY = re.compile(
    r"(?<=[.!?;])\s+|\n+|\s+(?=(?:par ailleurs|de plus|en plus|autre chose|autre problème|au passage|et aussi|"
    r"et puis|d'autre part|également|enfin)\b)",
    re.IGNORECASE,
)
_WORD = re.compile(r"\w+")
_MIN_WORDS = 4
_MAX_SEGMENTS = 6
# Greetings, sign-offs and politeness carry no topic.
_FORMULA = re.compile(
    r"^\W*(?:bonjour|bonsoir|salut|madame|monsieur|cordialement|bien à vous|merci|d'avance merci|"
    r"je vous prie|veuillez agréer|dans l'attente|salutations|objet\s*:)",
    re.IGNORECASE,
)


def segments(text: str) -> list[str]:
    """Parts of at least a few words, formulas dropped, short parts merged into their neighbour."""
    parts = [part.strip() for part in _BOUNDARY.split(text) if part and part.strip()]
    merged: list[str] = []
    for part in parts:
        if _FORMULA.match(part) and len(_WORD.findall(part)) < 12:
            continue
        if merged and len(_WORD.findall(merged[-1])) < _MIN_WORDS:
            merged[-1] = f"{merged[-1]} {part}"
        else:
            merged.append(part)
    if len(merged) > 1 and len(_WORD.findall(merged[-1])) < _MIN_WORDS:
        tail = merged.pop()
        merged[-1] = f"{merged[-1]} {tail}"
    return merged[:_MAX_SEGMENTS]
