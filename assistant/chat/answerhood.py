"""Whether a sentence can answer a question at all: the statement signal of extractive answers.

Similarity alone quotes the citizen's own question back ("La machine à laver est-elle acceptée ?") or an FAQ's
question line, because a question is most similar to another question. A statement that answers is
declarative, complete, and written by the institution: questions, salutations, signatures, letter headers and
lines that only announce what follows (ending with a colon) are never quoted; sentences in the first person
singular (correspondence, not rules) and short unpunctuated lines (headings) are quoted only when nothing
better matches. The rules read the sentence's own form, never the file type.
"""

from __future__ import annotations

import re

NEVER = None
_FORMULA = re.compile(
    r"^(?:bonjour|bonsoir|madame|monsieur|mesdames|messieurs|cher|chère|cordialement|bien cordialement|"
    r"bien à vous|sincères salutations|salutations|merci|je vous remercie|je vous prie|veuillez agréer|"
    r"dans l'attente|en vous remerciant|pour extrait conforme|fait à |"
    r"objet\s*:|de\s*:|à\s*:|date\s*:|envoyé\s*:|pièces? jointes?\s*:|"
    r"q\s*:|question\s*:)", re.IGNORECASE)
_FIRST_PERSON = re.compile(r"(?:^|[\s(])(?:(?:je|me|moi|mon|ma|mes)\b|[jm]['’]\w)", re.IGNORECASE)
_ANSWER_LABEL = re.compile(r"^(?:r|rép\.?|réponse)\s*:\s*", re.IGNORECASE)
_FINAL_PUNCTUATION = (".", "!", "…", ")", "»", ";")
FIRST_PERSON_PENALTY = 0.06
HEADING_PENALTY = 0.04
_HEADING_MAX_WORDS = 9


def answerhood_penalty(sentence: str, structured: bool = False) -> float | None:
    """What to subtract from a candidate's score, or None when it must never be quoted. A table row, or an
    announcement read with its list's items, is judged on its form only: neither is a heading."""
    text = sentence.strip()
    if not text or text.endswith("?") or text.endswith(":") or _FORMULA.match(text):
        return NEVER
    if structured:
        return 0.0
    penalty = 0.0
    if _FIRST_PERSON.search(text):
        penalty += FIRST_PERSON_PENALTY
    if (not text.endswith(_FINAL_PUNCTUATION) and len(text.split()) <= _HEADING_MAX_WORDS) or _shouted(text):
        penalty += HEADING_PENALTY
    return penalty


def _shouted(text: str) -> bool:
    """A line in capitals is a heading ("FOIRE AUX QUESTIONS DE L'ACCUEIL"), whatever its length."""
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 12 and sum(c.isupper() for c in letters) > 0.6 * len(letters)


def without_answer_label(sentence: str) -> str:
    """An FAQ's "R : L'accueil est ouvert…" quoted as "L'accueil est ouvert…"."""
    return _ANSWER_LABEL.sub("", sentence, count=1)


_WHO_QUESTION = re.compile(
    r"\b(?:qui|quels? (?:élus?|conseillers?|représentants?|membres?|adjoints?|titulaires?|suppléants?)|"
    r"quelles? (?:élues?|conseillères?|personnes?))\b", re.IGNORECASE)
# "Patricia MIRALLES", "Cédric de SAINT JOUAN", "Monsieur le Maire": how French council acts write people.
_PERSON = re.compile(r"\b(?:(?!(?:Le|La|Les|Un|Une|Des|Du|De|Et|Au|Aux|En|Par|Pour|Sur|Dans|Association|Société|"
                     r"Festival|Centre|Conseil|Ville|Commune|Madame|Monsieur)\b)[A-ZÉÈÎ][a-zéèëêïîôç]+(?:-[A-ZÉ][a-zéèëêïîôç]+)?\s+(?:(?:de|du|d')\s*)?"
                     r"[A-ZÉÈÀÎÔÇ]{2,}(?:[- ][A-ZÉÈÀÎÔÇ]{2,})*\b|Monsieur le Maire|Madame la Maire)")
PERSON_BONUS = 0.12


def asks_for_people(question: str) -> bool:
    """« Qui représente la Ville… ? », « Quels élus… ? »: the answer names people."""
    return _WHO_QUESTION.search(question) is not None


def names_people(sentence: str) -> float:
    """How much of the sentence names people: 1.0 for a list of names, a fraction for a sentence that
    mentions someone in passing, 0.0 for none."""
    named = sum(len(match.group(0)) for match in _PERSON.finditer(sentence))
    return min(1.0, 2.0 * named / max(1, len(sentence)))
