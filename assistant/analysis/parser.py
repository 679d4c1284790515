"""The deterministic French question parser: a question -> a QuerySpec, with no language model.

It finds the territories (gazetteer), the measure (the cards' dictionaries: labels and synonyms), the years,
and the cues of the common patterns: total, top/bottom N, evolution, comparison, share, ratio, breakdown by
commune, communes whose value passes a threshold, count, rank."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from assistant.analysis.cues import (
    ABOVE,
    BREAKDOWN,
    DECLINE,
    DOWN,
    EVOLUTION,
    MAP,
    RANK,
    RANKING,
    RELATIVE,
    SHARE,
    UNITS_AFTER_NUMBER,
    UP,
    WORD_NUMBERS,
    Number,
    contains,
    extract_numbers,
    follows,
    number_index,
)
from assistant.analysis.departements import DEPARTEMENTS
from assistant.analysis.semantics import Semantics
from assistant.analysis.spec import Condition, QuerySpec, TerritoryRef
from assistant.analysis.sqlparts import Unanswerable
from assistant.analysis.territory import FRANCE, Gazetteer, Mention, Territory
from assistant.analysis.text import raw_tokens, singular, tokens
from assistant.analysis.wording import PER_CAPITA

Order = Literal["asc", "desc"]
_MAX_PHRASE = 6
_HOME_EPCI = frozenset({"metropole", "agglomeration", "agglo", "intercommunalite", "intercommunalites", "epci",
                        "communaute"})
_DETERMINERS = frozenset({"la", "l", "le", "notre", "cette", "ce", "votre"})
_FRANCE = frozenset({"france", "national", "nationale", "pays"})
_SUBJECT_CUES = (("combien", "de"), ("combien", "d"), ("nombre", "de"), ("nombre", "d"), ("taux", "de"),
                 ("taux", "d"), ("part", "des"), ("quel", "est", "le"), ("quelle", "est", "la"), ("niveau", "de"))
_STOP_SUBJECT = frozenset({"a", "au", "aux", "dans", "en", "pour", "sur", "par", "depuis", "entre", "chez", "de",
                           "du", "des", "la", "le", "les", "l", "d", "et", "ou", "qui", "que", "compte"})


class NotUnderstood(Unanswerable):
    """The parser found no measure of the catalogue in the question (the query builder, or a capable model, may
    still answer it); the message says what was looked for."""


@dataclass
class Parsed:
    spec: QuerySpec
    notes: list[str] = field(default_factory=list)


@dataclass
class _Reading:
    words: list[str]
    written: list[str]
    numbers: list[Number]
    used: list[bool]

    def free(self, start: int, end: int) -> bool:
        return start >= 0 and end <= len(self.words) and not any(self.used[start:end])

    def take(self, start: int, end: int) -> None:
        for index in range(start, end):
            self.used[index] = True

    def has(self, *words: str) -> bool:
        return any(w in words and not self.used[i] for i, w in enumerate(self.words))

    def number_at(self, index: int) -> Number | None:
        position = number_index(self.words[index]) if 0 <= index < len(self.words) else None
        return self.numbers[position] if position is not None else None


class QuestionParser:
    def __init__(self, semantics: Semantics, gazetteer: Gazetteer, default_top: int = 5) -> None:
        self.semantics, self.gazetteer, self.default_top = semantics, gazetteer, default_top
        self.vocabulary = semantics.vocabulary()

    def parse(self, question: str) -> Parsed:
        text, numbers = extract_numbers(question)
        words, written = tokens(text), raw_tokens(text)
        reading = _Reading(words, written if len(written) == len(words) else words, numbers, [False] * len(words))
        mentions = self._territories(reading)
        per_capita = self._per_capita(reading)
        condition = self._condition(reading)
        limit = self._limit(reading)
        years = [n.value for i, w in enumerate(words) if not reading.used[i] and (n := reading.number_at(i)) and n.year]
        measure = self._measure(reading)
        spec = self._spec(reading, mentions, measure, per_capita, condition, limit, [int(y) for y in years])
        return Parsed(spec, [self._note(m) for m in mentions if m.ambiguous])

    # -- territories ---------------------------------------------------------------------------------------
    def _territories(self, reading: _Reading) -> list[Mention]:
        mentions = self.gazetteer.find(reading.words, reading.written)
        for mention in mentions:
            reading.take(mention.start, mention.end)
        mentions += self._home_mentions(reading)
        return sorted(mentions, key=lambda m: m.start)

    def _home_mentions(self, reading: _Reading) -> list[Mention]:
        found, words = [], reading.words
        for index, word in enumerate(words):
            if reading.used[index]:
                continue
            determined = index > 0 and words[index - 1] in _DETERMINERS
            territory: Territory | None = None
            if word in _HOME_EPCI and determined:
                territory = self.gazetteer.home_territory("epci")
            elif (word == "ville" and determined) or (word == "commune" and index > 0 and (words[index - 1] in (
                    "notre", "cette", "votre") or (determined and index == len(words) - 1))):
                territory = self.gazetteer.home_territory("commune")
            elif word == "departement" and determined and words[index + 1: index + 2] not in (["de"], ["du"], ["d"]):
                territory = self.gazetteer.home_territory("departement")
            elif word in _FRANCE:
                territory = FRANCE
            if territory is not None:
                reading.take(index, index + 1)
                found.append(Mention(index, index + 1, territory))
        return found

    def _note(self, mention: Mention) -> str:
        territory = mention.territory
        where = DEPARTEMENTS.get(territory.code[:3] if territory.code.startswith("97") else territory.code[:2], "")
        return (f"« {territory.name} » désigne plusieurs communes : celle de {where} a été retenue."
                if where else f"« {territory.name} » désigne plusieurs communes.")

    # -- numbers -------------------------------------------------------------------------------------------
    def _per_capita(self, reading: _Reading) -> float | None:
        words = reading.words
        for index, word in enumerate(words):
            if word not in ("habitant", "habitants") or reading.used[index]:
                continue
            if follows(words, index, ("par",)):
                reading.take(index - 1, index + 1)
                return 1.0
            scale = reading.number_at(index - 1)
            if follows(words, index - 1, ("pour",)) and scale is not None and int(scale.value) in PER_CAPITA:
                reading.take(index - 2, index + 1)
                return float(scale.value)
            for words_of_scale, value in (("mille", 1000), ("cent", 100)):
                if follows(words, index, ("pour", words_of_scale)):
                    reading.take(index - 2, index + 1)
                    return float(value)
        return None

    def _condition(self, reading: _Reading) -> Condition | None:
        words = reading.words
        for index in range(len(words)):
            number = reading.number_at(index)
            if number is None or reading.used[index]:
                continue
            if follows(words, index, ("entre",)) and words[index + 1: index + 2] == ["et"]:
                other = reading.number_at(index + 2)
                if other is not None and not (number.year and other.year and not self._is_quantity(reading, index + 3)):
                    reading.take(index - 1, index + 3)
                    low, high = sorted((number.value, other.value))
                    return Condition(op="between", value=low, value2=high)
            for phrase, op in sorted(ABOVE.items(), key=lambda item: -len(item[0])):
                if follows(words, index, phrase) and (not number.year or self._is_quantity(reading, index + 1)
                                                      or phrase[-1] not in ("de", "d")):
                    reading.take(index - len(phrase), index + 1)
                    return Condition(op=op, value=number.value)  # type: ignore[arg-type]
        return None

    @staticmethod
    def _is_quantity(reading: _Reading, after: int) -> bool:
        return reading.words[after: after + 1] != [] and reading.words[after] in UNITS_AFTER_NUMBER

    def _limit(self, reading: _Reading) -> int | None:
        words = reading.words
        for index, word in enumerate(words):
            if reading.used[index]:
                continue
            number = reading.number_at(index)
            value = number.value if number is not None and not number.year else WORD_NUMBERS.get(word)
            if value is None or (word in ("un", "une")):
                continue
            next_word = words[index + 1] if index + 1 < len(words) else ""
            if follows(words, index, ("top",)) or next_word in ("communes", "premieres", "premiers", "dernieres",
                                                                  "derniers", "villes", "plus", "moins"):
                reading.take(index, index + 1)
                return int(value)
        return None

    # -- measure -------------------------------------------------------------------------------------------
    def _measure(self, reading: _Reading) -> str | None:
        stems = [singular(word) for word in reading.words]
        best: tuple[int, int, str] | None = None
        for start in range(len(stems)):
            for size in range(min(_MAX_PHRASE, len(stems) - start), 0, -1):
                key = " ".join(stems[start:start + size])
                if key in self.vocabulary and reading.free(start, start + size):
                    if best is None or size > best[1]:
                        best = (start, size, self.vocabulary[key])
                    break
        if best is None:
            return None
        reading.take(best[0], best[0] + best[1])
        return best[2]

    def _subject(self, reading: _Reading) -> str:
        words = reading.words
        for cue in _SUBJECT_CUES:
            for index in range(len(words)):
                if follows(words, index, cue):
                    taken = []
                    for position in range(index, min(index + 5, len(words))):
                        if reading.used[position] or words[position] in _STOP_SUBJECT:
                            break
                        taken.append(reading.written[position])
                    if taken:
                        return " ".join(taken)
        return ""

    # -- assembling ----------------------------------------------------------------------------------------
    def _spec(self, reading: _Reading, mentions: list[Mention], measure: str | None, per_capita: float | None,
              condition: Condition | None, limit: int | None, years: list[int]) -> QuerySpec:
        words = reading.words
        count = contains(words, ("combien", "de", "communes")) or contains(words, ("nombre", "de", "communes"))
        if measure is None:
            measure = self._fallback_measure(reading, count)
        evolution = reading.has(*EVOLUTION) or len(years) >= 2
        year, from_year = self._years(measure, years, evolution, reading)
        order, superlative = self._order(reading, evolution)
        singular_subject = "commune" in words and "communes" not in words
        if superlative and limit is None and not reading.has(*RANKING):
            limit = 1 if singular_subject else self.default_top
        if limit is not None and order is None:
            order = "asc" if reading.has("dernieres", "derniers") else "desc"
        territories = [m.territory for m in mentions]
        share = reading.has(*SHARE) and not (evolution and reading.has("pourcentage"))
        rank = reading.has(*RANK) and bool(territories) and territories[0].kind == "commune" and order is None
        by_commune = not rank and (count or order is not None or condition is not None or reading.has(*MAP)
                                   or any(contains(words, p) for p in BREAKDOWN) or "communes" in words)
        if share and len(territories) >= 2:
            by_commune = False
        if by_commune:
            scopes = [t for t in territories if t.kind != "commune"]
            territories = scopes[:1] or [self.gazetteer.default_scope()]
        elif share and len(territories) == 1:
            territories = [territories[0], self.gazetteer.default_scope()]
        relative = evolution and (reading.has(*RELATIVE, "pourcent")
                                  or bool(condition and _percent(condition, reading)))
        return QuerySpec(
            measure=measure, year=year, from_year=from_year, change="relative" if relative else "absolute",
            per_capita=per_capita, territories=[TerritoryRef(kind=t.kind, code=t.code) for t in _unique(territories)],
            by_commune=by_commune, order=order, limit=limit, condition=condition, count=count,
            share=share, rank=rank, chart="map" if reading.has(*MAP) else "auto")

    def _fallback_measure(self, reading: _Reading, count: bool) -> str:
        if count and self.semantics.measures:
            return "population" if "population" in self.semantics.measures else next(iter(self.semantics.measures))
        subject = self._subject(reading)
        if subject:
            raise NotUnderstood(f"Le catalogue de données ne contient rien sur « {subject} ».",
                               f"un jeu de données donnant « {subject} » par commune (avec son code Insee)")
        raise NotUnderstood("Je n'ai reconnu dans la question aucune donnée du catalogue.",
                            "reformulez avec le nom d'une donnée (population, ménages, taux de chômage...)")

    def _years(self, measure: str, years: list[int], evolution: bool,
               reading: _Reading) -> tuple[int | None, int | None]:
        available = self.semantics.measures[measure].years
        if not evolution:
            return (years[-1] if years else None), None
        if len(years) >= 2:
            return max(years), min(years)
        if len(years) == 1:
            return None, years[0]
        if len(available) < 2:
            raise Unanswerable(f"Le catalogue n'a qu'une année de « {self.semantics.measures[measure].label} » : "
                               "pas d'évolution à calculer.", "la même donnée pour une autre année")
        return None, available[0]

    @staticmethod
    def _order(reading: _Reading, evolution: bool) -> tuple[Order | None, bool]:
        words = reading.words
        for index, word in enumerate(words):
            if reading.used[index] or word not in ("plus", "moins"):
                continue
            after = words[index + 1] if index + 1 < len(words) else ""
            superlative = words[index - 1: index] in (["le"], ["la"], ["les"]) or after in UP or after in DOWN
            if not superlative:
                continue
            down = (word == "moins") != (after in DOWN)
            if evolution and reading.has(*DECLINE):
                down = not down
            return ("asc" if down else "desc"), True
        if reading.has(*RANKING) or reading.has("top", "premieres", "premiers"):
            return "desc", False
        if reading.has("dernieres", "derniers"):
            return "asc", False
        return None, False


def _percent(condition: Condition, reading: _Reading) -> bool:
    return any(n.percent and n.value == condition.value for n in reading.numbers)


def _unique(territories: list[Territory]) -> list[Territory]:
    seen, result = set(), []
    for territory in territories:
        if (territory.kind, territory.code) not in seen:
            seen.add((territory.kind, territory.code))
            result.append(territory)
    return result
