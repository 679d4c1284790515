"""The words of a French question that say what to compute: numbers (years, thresholds, N of a top N),
evolutions, superlatives, conditions, breakdowns, counts, shares, ranks, maps."""

from __future__ import annotations

import re
from dataclasses import dataclass

_NUMBER = re.compile(r"(?<![\w.,])(\d{1,3}(?:[   ]\d{3})+|\d+)(?:[.,](\d+))?(?![\w])(\s*%)?")
_AGES = re.compile(r"(\d+)\s*-\s*(\d+)\s*ans\b")
WORD_NUMBERS = {"un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7, "huit": 8,
                "neuf": 9, "dix": 10, "onze": 11, "douze": 12, "quinze": 15, "vingt": 20, "trente": 30,
                "cinquante": 50, "cent": 100}
PLACEHOLDER = "nombre{}"

EVOLUTION = frozenset({"evolution", "evolutions", "evolue", "evolues", "evoluer", "gagne", "gagner", "gagnent",
                       "perdu", "perdre", "perdent", "progression", "progresse", "progresser", "croissance", "croit",
                       "hausse", "baisse", "augmente", "augmentation", "diminue", "diminution", "variation", "varie",
                       "recul", "recule", "depuis"})
DECLINE = frozenset({"perdu", "perdre", "perdent", "baisse", "diminue", "diminution", "recul", "recule"})
RELATIVE = frozenset({"pourcentage", "relative", "relatif", "relativement", "taux"})
UP = ("plus", "forte", "fortes", "fort", "forts", "elevee", "elevees", "eleve", "eleves", "grand", "grande",
      "grands", "grandes", "important", "importante", "importants", "importantes", "peuplee", "peuplees", "peuple",
      "peuples", "haut", "haute", "hauts", "hautes", "dense", "denses")
DOWN = ("faible", "faibles", "bas", "basse", "basses", "petit", "petite", "petits", "petites")
RANKING = frozenset({"classement", "classees", "classes", "palmares", "ordre", "ordonnees", "triees"})
RANK = frozenset({"rang", "position", "classe", "situe", "place"})
SHARE = frozenset({"part", "proportion", "pourcentage", "represente", "representent", "poids"})
MAP = frozenset({"carte", "cartes", "cartographie", "cartographier", "carto"})
BREAKDOWN = (("par", "commune"), ("chaque", "commune"), ("commune", "par", "commune"), ("toutes", "les", "communes"),
             ("liste", "des", "communes"), ("detail", "par", "commune"), ("selon", "la", "commune"))
UNITS_AFTER_NUMBER = frozenset({"habitants", "habitant", "communes", "commune", "km", "km2", "menages", "naissances",
                                "deces", "chomeurs", "actifs", "personnes", "hab", "pour", "%", "pourcent"})
ABOVE = {("plus", "de"): ">", ("plus", "d"): ">", ("au", "dela", "de"): ">", ("superieur", "a"): ">",
         ("superieure", "a"): ">", ("superieurs", "a"): ">", ("superieures", "a"): ">", ("depasse",): ">",
         ("depassent",): ">", ("depassant",): ">", ("au", "moins"): ">=", (">",): ">", (">=",): ">=",
         ("moins", "de"): "<", ("moins", "d"): "<", ("inferieur", "a"): "<", ("inferieure", "a"): "<",
         ("inferieurs", "a"): "<", ("inferieures", "a"): "<", ("au", "plus"): "<=", ("<",): "<", ("<=",): "<=",
         ("sous",): "<", ("en", "dessous", "de"): "<", ("au", "dessus", "de"): ">"}


@dataclass(frozen=True)
class Number:
    value: float
    percent: bool
    year: bool   # could be a year: 1900-2100, written without separator or decimals


def extract_numbers(question: str) -> tuple[str, list[Number]]:
    """Numbers are replaced by placeholders (`nombre0`...) so that tokenising cannot split « 10 000 » or « 1,5 »."""
    numbers: list[Number] = []

    def replace(match: re.Match[str]) -> str:
        whole, decimals, percent = match.group(1), match.group(2), match.group(3)
        digits = re.sub(r"\D", "", whole)
        value = float(f"{digits}.{decimals}") if decimals else float(digits)
        year = decimals is None and digits == whole and len(digits) == 4 and 1900 <= value <= 2100
        numbers.append(Number(value, bool(percent), year))
        return f" {PLACEHOLDER.format(len(numbers) - 1)} " + ("pourcent " if percent else "")

    protected = _AGES.sub(lambda m: f"{m.group(1)}_{m.group(2)}_ans", question)
    return _NUMBER.sub(replace, protected), numbers


def number_index(token: str) -> int | None:
    prefix = PLACEHOLDER.format("")
    if token.startswith(prefix) and token[len(prefix):].isdigit():
        return int(token[len(prefix):])
    return None


def follows(words: list[str], end: int, phrase: tuple[str, ...]) -> bool:
    """Whether `phrase` ends right before position `end`."""
    start = end - len(phrase)
    return start >= 0 and tuple(words[start:end]) == phrase


def contains(words: list[str], phrase: tuple[str, ...]) -> bool:
    size = len(phrase)
    return any(tuple(words[i:i + size]) == phrase for i in range(len(words) - size + 1))
