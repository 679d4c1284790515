"""Territories a question names: communes, intercommunalities (EPCI), départements, regions, France; found in
the text with accents, hyphens and articles folded (« Fontaine-lès-Dijon », « la Côte-d'Or », « la métropole »)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from assistant.analysis.departements import DEPARTEMENTS
from assistant.analysis.settings import HomeTerritory
from assistant.analysis.text import fold, name_key

Kind = Literal["commune", "epci", "departement", "region", "france"]
KINDS: tuple[Kind, ...] = ("commune", "epci", "departement", "region", "france")
FRANCE_CODE = "FR"
_EPCI_PREFIXES = ("communaute de communes", "communaute d agglomeration", "communaute urbaine", "metropole")
_LINKS = ("de la", "de l", "du", "des", "de", "d")
_MAX_WORDS = 10


@dataclass(frozen=True)
class Territory:
    kind: Kind
    code: str
    name: str

    @property
    def ref(self) -> dict[str, str]:
        return {"kind": self.kind, "code": self.code}


FRANCE = Territory("france", FRANCE_CODE, "France")


@dataclass(frozen=True)
class Mention:
    start: int
    end: int                   # token span [start, end) in the folded question
    territory: Territory
    ambiguous: bool = False    # several communes bear the name: the home one, or the most populous, was taken


@dataclass
class Gazetteer:
    """Names -> territories, and the communes of each territory (their INSEE codes)."""

    names: dict[str, list[Territory]] = field(default_factory=lambda: defaultdict(list))
    members: dict[tuple[str, str], set[str]] = field(default_factory=lambda: defaultdict(set))
    population: dict[str, float] = field(default_factory=dict)
    by_code: dict[tuple[str, str], Territory] = field(default_factory=dict)
    home: HomeTerritory = field(default_factory=HomeTerritory)  # type: ignore[arg-type]
    common_words: frozenset[str] = frozenset()

    def add(self, territory: Territory, *aliases: str) -> None:
        if (territory.kind, territory.code) in self.by_code:
            return
        self.by_code[(territory.kind, territory.code)] = territory
        for alias in {name_key(territory.name), *aliases}:
            if alias:
                self.names[alias].append(territory)

    def add_commune(self, code: str, name: str, departement: str | None, epci: str | None = None,
                    region: str | None = None) -> None:
        self.add(Territory("commune", code, name))
        self.members[("commune", code)].add(code)
        dep = departement or (code[:3] if code.startswith("97") else code[:2])
        self.members[("departement", dep)].add(code)
        if epci:
            self.members[("epci", epci)].add(code)
        if region:
            self.members[("region", region)].add(code)

    def add_epci(self, code: str, name: str) -> None:
        self.add(Territory("epci", code, name), *epci_aliases(name))

    def add_departements(self) -> None:
        for code, name in DEPARTEMENTS.items():
            self.add(Territory("departement", code, name))

    def get(self, kind: str, code: str) -> Territory | None:
        if kind == "france":
            return FRANCE
        return self.by_code.get((kind, code))

    def communes_of(self, territory: Territory) -> set[str] | None:
        """INSEE codes of the communes of `territory`; None for France (every commune)."""
        if territory.kind == "france":
            return None
        return self.members.get((territory.kind, territory.code), set())

    def home_territory(self, kind: Kind) -> Territory | None:
        code = getattr(self.home, kind, None) if kind in ("commune", "epci", "departement") else None
        return self.get(kind, code) if code else None

    def default_scope(self) -> Territory:
        return self.home_territory("epci") or self.home_territory("departement") or FRANCE

    def find(self, folded: list[str], written: list[str]) -> list[Mention]:
        """Every territory named in the question, longest names first, without overlaps."""
        mentions: list[Mention] = []
        position = 0
        while position < len(folded):
            found = self._longest_at(folded, written, position)
            if found is None:
                position += 1
                continue
            mentions.append(found)
            position = found.end
        return mentions

    def _longest_at(self, folded: list[str], written: list[str], start: int) -> Mention | None:
        for end in range(min(len(folded), start + _MAX_WORDS), start, -1):
            key = " ".join(folded[start:end])
            candidates = self.names.get(key)
            if not candidates:
                continue
            if end - start == 1 and key in self.common_words and (start == 0 or not written[start][:1].isupper()):
                continue  # « rang », « ville », « y »: communes too, but only a capitalised word inside a sentence
            return self._choose(folded, start, end, candidates)
        return None

    def _choose(self, folded: list[str], start: int, end: int, candidates: list[Territory]) -> Mention:
        before = folded[max(0, start - 3):start]
        kinds = {c.kind for c in candidates}
        if "departement" in kinds and ("departement" in before or (before and before[-1] in ("la", "le", "les", "l"))
                                       or "commune" not in kinds):
            candidates = [c for c in candidates if c.kind == "departement"] or candidates
        elif "commune" in kinds:
            candidates = [c for c in candidates if c.kind == "commune"]
        if len(candidates) == 1:
            return Mention(start, end, candidates[0])
        return Mention(start, end, max(candidates, key=self._preference), ambiguous=True)

    def _preference(self, territory: Territory) -> tuple[int, int, float]:
        home_epci = self.members.get(("epci", self.home.epci or ""), set())
        home_dep = self.members.get(("departement", self.home.departement or ""), set())
        return (territory.code in home_epci, territory.code in home_dep, self.population.get(territory.code, 0))


def epci_aliases(name: str) -> list[str]:
    """« Communauté de communes de la Plaine Dijonnaise » is also « la Plaine Dijonnaise »."""
    key = fold(name)
    aliases = []
    for prefix in _EPCI_PREFIXES:
        if key.startswith(prefix + " "):
            rest = key[len(prefix) + 1:]
            for link in _LINKS:
                if rest.startswith(link + " "):
                    rest = rest[len(link) + 1:]
                    break
            if len(rest) > 2:
                aliases.append(name_key(rest))
    if key.endswith(" metropole"):
        aliases.append("metropole de " + key[: -len(" metropole")])
    return aliases


def keys_of(names: Iterable[str]) -> set[str]:
    return {name_key(name) for name in names}
