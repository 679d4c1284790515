"""Citations: `[n]` markers in an answer, kept only when they point to a source that was in the context."""

from __future__ import annotations

import re

_CITATION = re.compile(r"\[(\d{1,3}(?:\s*[,;]\s*\d{1,3})*)\]")

def clean_citations(answer: str, source_count: int) -> tuple[str, list[int]]:
    """Drop markers that point nowhere; return the cleaned text and the cited numbers in first-cited order."""
    cited: list[int] = []

    def keep_valid(match: re.Match[str]) -> str:
        numbers = [int(n) for n in re.split(r"\s*[,;]\s*", match.group(1))]
        valid = [n for n in numbers if 1 <= n <= source_count]
        for number in valid:
            if number not in cited:
                cited.append(number)
        return "".join(f"[{n}]" for n in dict.fromkeys(valid))

    cleaned = _CITATION.sub(keep_valid, answer)
    cleaned = re.sub(r"[ \t]+([.,;:])", r"\1", cleaned)
    return re.sub(r"[ \t]{2,}", " ", cleaned).strip(), cited
