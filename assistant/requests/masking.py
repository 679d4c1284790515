"""Personal data replaced by placeholders: for `masked_text`, logs, the audit trail and remote prompts."""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.requests.fields import PERSONAL_KINDS, FieldExtractor
from assistant.requests.qualification import ExtractedField

PLACEHOLDERS = {
    "name": "[NOM]",
    "email": "[EMAIL]",
    "phone": "[TÉLÉPHONE]",
    "iban": "[IBAN]",
    "nir": "[NUMÉRO DE SÉCURITÉ SOCIALE]",
    "plate": "[IMMATRICULATION]",
}


def mask_fields(text: str, fields: Sequence[ExtractedField]) -> str:
    """`text` with every personal field, and every other occurrence of a detected name, replaced."""
    spans = [(f.start, f.end, PLACEHOLDERS[f.kind]) for f in fields if f.kind in PERSONAL_KINDS]
    for name in {f.text for f in fields if f.kind == "name"}:
        for match in re.finditer(rf"(?<!\w){re.escape(name)}(?!\w)", text):
            spans.append((match.start(), match.end(), PLACEHOLDERS["name"]))
    masked, position = [], 0
    for start, end, placeholder in sorted(spans):
        if start < position:
            continue  # already inside a replaced span
        masked.append(text[position:start])
        masked.append(placeholder)
        position = end
    masked.append(text[position:])
    return "".join(masked)


class Masker:
    """`mask(text)` for any text that leaves the citizen-service staff's view (logs, audit, remote prompts)."""

    def __init__(self, extractor: FieldExtractor) -> None:
        self._extractor = extractor

    def mask(self, text: str) -> str:
        return mask_fields(text, self._extractor.extract(text))
