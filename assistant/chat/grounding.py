"""The guard of generated answers: every amount, date, percentage, number, time and proper name of a
generated answer must appear in the sources it cites, and it must cite at least one. Otherwise the answer
is not shown as such: the service falls back to the extractive answer, with a short note.

While the model streams, text is released sentence by sentence, and only once everything released so far
passes the check; a fact that appears in none of the prompt's sources can never pass, so generation stops there.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from assistant.chat.citations import clean_citations
from assistant.chat.facts import Fact, FactKind, answer_facts, source_keys

Reason = Literal["grounded", "no_citation", "unsupported"]

_KIND_NAMES: dict[FactKind, tuple[str, str]] = {  # singular, plural (French, shown to the agent)
    "amount": ("un montant", "des montants"), "percent": ("un pourcentage", "des pourcentages"),
    "number": ("un nombre", "des nombres"), "date": ("une date", "des dates"),
    "time": ("une heure", "des heures"), "name": ("un nom", "des noms"),
}
# The end of a sentence (its citation may follow the full stop) or of a line.
_BOUNDARY = re.compile(r"[.!?…](?:\s*\[\d{1,3}(?:\s*[,;]\s*\d{1,3})*\])?(?=\s)|\n")


@dataclass(frozen=True)
class Verdict:
    reason: Reason
    unsupported: tuple[Fact, ...] = ()
    cited: tuple[int, ...] = ()

    @property
    def refused(self) -> bool:
        return self.reason != "grounded"

    def note(self) -> str:
        """Why the generated answer is not shown; the unsupported values themselves are not repeated."""
        if self.reason == "no_citation":
            return "Note : la réponse rédigée par le modèle n'a pas été retenue, car elle ne citait aucune source."
        kinds = list(dict.fromkeys(fact.kind for fact in self.unsupported))
        counts = {kind: sum(1 for fact in self.unsupported if fact.kind == kind) for kind in kinds}
        named = [_KIND_NAMES[kind][0 if counts[kind] == 1 else 1] for kind in kinds]
        listed = named[0] if len(named) == 1 else ", ".join(named[:-1]) + " et " + named[-1]
        return (f"Note : la réponse rédigée par le modèle n'a pas été retenue, car elle contenait {listed} "
                "que les sources citées ne contiennent pas.")

    def summary(self) -> dict[str, object]:
        """For the `done` event and the logs: the kinds of the unsupported facts, not their values."""
        return {"checked": True, "refused": self.refused, "reason": self.reason,
                "unsupported": sorted({fact.kind for fact in self.unsupported})}


class GroundingCheck:
    """The sources (numbered from 1) that one generated answer may cite."""

    def __init__(self, source_texts: Sequence[str]) -> None:
        self._keys = [source_keys(text) for text in source_texts]
        self._anywhere = frozenset().union(*self._keys) if self._keys else frozenset()

    def verdict(self, answer: str) -> Verdict:
        _, cited = clean_citations(answer, len(self._keys))
        if not cited:
            return Verdict("no_citation")
        keys = frozenset().union(*(self._keys[number - 1] for number in cited))
        unsupported = tuple(fact for fact in answer_facts(answer) if not any(key in keys for key in fact.keys))
        return Verdict("unsupported" if unsupported else "grounded", unsupported, tuple(cited))

    def hopeless(self, answer: str) -> tuple[Fact, ...]:
        """Facts found in none of the sources: no citation to come can make the answer pass."""
        return tuple(fact for fact in answer_facts(answer) if not any(key in self._anywhere for key in fact.keys))


@dataclass
class StreamGate:
    """Holds generated text back until what would be shown so far passes the check."""

    check: GroundingCheck
    text: str = ""
    released: int = 0
    failure: Verdict | None = field(default=None)

    def feed(self, delta: str) -> str:
        """The text that may be shown now ("" while held). Once `failure` is set, nothing more is."""
        self.text += delta
        if self.failure is not None:
            return ""
        boundaries = [m.end() for m in _BOUNDARY.finditer(self.text, self.released)]
        if not boundaries:
            return ""
        end = boundaries[-1]
        prefix = self.text[:end]
        hopeless = self.check.hopeless(prefix)
        if hopeless:
            self.failure = Verdict("unsupported", hopeless)
            return ""
        if self.check.verdict(prefix).refused:
            return ""  # a citation further on may still cover it
        released, self.released = self.text[self.released:end], end
        return released

    def finish(self) -> tuple[str, Verdict]:
        """The rest to show if the whole answer passes, and the verdict on the whole answer."""
        verdict = self.failure or self.check.verdict(self.text)
        if verdict.refused:
            return "", verdict
        rest, self.released = self.text[self.released:], len(self.text)
        return rest, verdict
