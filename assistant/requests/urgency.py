"""Urgency: danger to people, water leak, vulnerable person in distress, legal deadline; with the words that
triggered it, as written. Rules over accent-folded lower-case text (offsets kept, so the words are quoted)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass


def _fold_char(char: str) -> str:
    base = unicodedata.normalize("NFKD", char)[:1]
    return base.lower() if base and base.isascii() else char.lower()


def fold(text: str) -> str:
    """Lower-case and accent-free, one character per character (offsets stay those of `text`)."""
    return "".join(_fold_char(char) for char in text).replace("’", "'")


def _any(*alternatives: str) -> re.Pattern[str]:
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)")


DANGER = _any(
    r"danger\w*", r"risque de (?:chute|tomber|basculer|s'effondrer|accident)",
    r"menace de (?:tomber|s'effondrer|ceder)",
    r"(?:peut|pourrait|va|risque de) (?:tomber|basculer|s'effondrer|ceder)(?: a tout moment| dedans)?",
    r"(?:s'est |se sont )?(?:en partie )?effondre(?:e|es|s)?", r"s'effondrer",
    r"fils? (?:electriques? )?(?:a nu|denudes?|apparents?)",
    r"cables? (?:electriques? )?(?:pendent|tombes?|a nu|arraches?|electriques sont tombes)", r"cables electriques",
    r"odeur de gaz", r"fuite de gaz", r"incendie", r"fumee", r"electrocut\w*", r"gresille", r"accidents?",
    r"a failli", r"ont failli", r"blesse\w*", r"chute grave", r"trou beant", r"tranchee ouverte",
    r"sans (?:aucune )?barriere", r"(?:morceaux|eclats|bris) de verre", r"couteau", r"armes?", r"a mordu",
    r"frelons", r"penche dangereusement", r"oscille", r"seringues", r"(?:est|sont) (?:tous )?eteints",
    r"sortie des pompiers", r"porte de secours", r"basculer", r"menace(?:nt)? les passants", r"pend(?:ent)? encore",
)
WATER = _any(
    r"fuite d'eau", r"fuite importante", r"inond\w*", r"l'eau (?:jaillit|coule|envahit|monte|rentre|entre)",
    r"coule a flot", r"canalisation (?:a )?eclate\w*", r"a eclate", r"degats? des eaux", r"refoulement\w*",
    r"eaux usees montent", r"plus (?:une goutte )?d'eau", r"sans eau",
)
VULNERABLE = _any(
    r"personnes? agees?", r"(?:de |a )?\d{2} ans", r"bebes?", r"nourrissons?", r"enceinte", r"handicape(?:e|s|es)?",
    r"fauteuil roulant", r"mobilite reduite", r"sans[- ]abri", r"sdf", r"(?:deux |trois |mes |nos |\d )?enfants",
    r"mere agee", r"malade", r"alitee?", r"vit seule?", r"personnes? isolees?",
)
DISTRESS = _any(
    r"(?:plus|pas|sans) (?:de )?chauffage", r"plus d'electricite", r"plus d'eau", r"ne repond plus",
    r"ne repond presque plus",
    r"dort (?:dehors|dans|devant|sous)", r"par -?\d+ ?°c?", r"grand froid", r"tres faible", r"bloquee?s?",
    r"coincee?s?", r"a peur", r"menace", r"nulle part", r"bronchiolites?", r"en detresse", r"alitee?",
    r"ne pouvons pas sortir", r"volets sont fermes",
)
DEADLINE = _any(
    r"delais?(?: de recours)?", r"expire\w*", r"date limite", r"mise en demeure", r"huissier", r"saisie",
    r"tribunal", r"audience", r"expulse\w*", r"executoire", r"sous \d+ ?h", r"dans \d+ jours",
    r"(?:avant|jusqu'au) le? ?\d{1,2}(?:er)? \w+", r"jusqu'au \d{1,2}", r"avant le \d{1,2}",
)
GENERAL = _any(r"urgent\w*", r"en urgence", r"urgence", r"venez vite", r"aidez[- ]nous", r"au secours")
NEGATED = re.compile(r"(?<!\w)(?:pas|rien|aucun|sans|non) (?:d'|de |du |tres |vraiment |d')?(?:urgen\w*|danger\w*)")


@dataclass(frozen=True)
class Urgency:
    urgent: bool
    reasons: tuple[str, ...]  # as written in the message


def _sentences(folded: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for match in re.finditer(r"[.!?\n]+", folded):
        spans.append((start, match.end()))
        start = match.end()
    spans.append((start, len(folded)))
    return spans


def _vulnerable_in_distress(text: str, folded: str) -> list[tuple[int, int]]:
    found = []
    for start, end in _sentences(folded):
        sentence = folded[start:end]
        people = [m.span() for m in VULNERABLE.finditer(sentence)]
        distress = [m.span() for m in DISTRESS.finditer(sentence)]
        if people and distress:
            found += [(start + a, start + b) for a, b in people[:1] + distress[:1]]
    return found


def detect_urgency(text: str) -> Urgency:
    folded = fold(text)
    negated = [m.span() for m in NEGATED.finditer(folded)]
    spans = []
    for pattern in (DANGER, WATER, DEADLINE, GENERAL):
        spans += [m.span() for m in pattern.finditer(folded)
                  if not any(a <= m.start() < b for a, b in negated)]
    spans += _vulnerable_in_distress(text, folded)
    reasons = tuple(dict.fromkeys(text[a:b] for a, b in sorted(spans)))
    return Urgency(bool(reasons), reasons)
