"""Folding French text for matching: accents, case, hyphens, apostrophes and leading articles."""

from __future__ import annotations

import re
import unicodedata

_SEPARATORS = re.compile(r"[\s\-‐‑‒–—'’`´ʼ_/.,;:!?()\[\]«»\"]+")
_ARTICLES = ("l", "la", "le", "les")
# "de la", "du", "des"... in front of a name: "la population du Creusot" names "Le Creusot".
LOCATIVES = frozenset({"a", "au", "aux", "de", "du", "des", "d", "en", "dans", "pour", "sur", "chez"})


def fold(text: str) -> str:
    """`Fontaine-lès-Dijon` -> `fontaine les dijon`; `la Côte-d'Or` -> `la cote d or`."""
    decomposed = unicodedata.normalize("NFKD", text.replace("œ", "oe").replace("Œ", "Oe").replace("æ", "ae"))
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(_SEPARATORS.sub(" ", stripped.lower()).split())


def tokens(text: str) -> list[str]:
    return fold(text).split()


def name_key(name: str) -> str:
    """The key a place name is looked up by: folded, without a leading article (`L' Abergement` -> `abergement`)."""
    words = tokens(name)
    while len(words) > 1 and words[0] in _ARTICLES:
        words = words[1:]
    return " ".join(words)


def singular(word: str) -> str:
    """A crude French singular, enough to match dictionary words: `habitants` -> `habitant`, `taux` stays."""
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    if len(word) > 4 and word.endswith("aux"):
        return word[:-3] + "al"
    return word


def stem_key(text: str) -> str:
    return " ".join(singular(word) for word in tokens(text))


def raw_tokens(text: str) -> list[str]:
    """The words of `text` as written (case and accents kept), aligned with `tokens(text)`."""
    return [word for word in _SEPARATORS.split(unicodedata.normalize("NFC", text)) if word]
