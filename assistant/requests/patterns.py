"""Regular expressions for what French requests carry: contacts, identifiers, addresses, dates, references."""

from __future__ import annotations

import re

EMAIL = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")
# 06 12 34 56 78, 06.12.34.56.78, 0612345678, +33 6 12 34 56 78, 0033 (0)6 12...
PHONE = re.compile(r"(?<![\w+])(?:(?:\+|00)33\s?(?:\(0\)\s?)?[1-9]|0[1-9])(?:[\s.\-]?\d{2}){4}(?!\d)")
IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){2,7}(?:\s?[A-Z0-9]{1,3})?\b")
# Social-security number (NIR): sex, year, month, department, commune, order, optional key.
NIR = re.compile(
    r"(?<!\d)[12]\s?\d{2}\s?(?:0[1-9]|1[0-2]|[2-9]\d)\s?(?:\d{2}|"
    r"2[AB])\s?\d{3}\s?\d{3}(?:\s?\d{2})?(?!\d)"
)
# Licence plates: SIV (AB-123-CD) and the older FNI (1234 AB 69).
PLATE = re.compile(
    r"\b(?:[A-HJ-NP-TV-Z]{2}[\s\-]?\d{3}[\s\-]?[A-HJ-NP-TV-Z]{2}|"
    r"\d{2,4}\s?[A-Z]{2,3}\s?(?:0[1-9]|[1-8]\d|9[0-5]|2[AB]))\b"
)
# A title followed by a capitalised name: "M. Robert Lefèvre", "Mme Fabre" ("Madame, Monsieur," is not one).
TITLED_NAME = re.compile(
    r"\b(?:M\.|Mme|Mlle|Monsieur|Madame|"
    r"Mademoiselle)\s+((?:[A-ZÉÈÀÂÎÔ][\w'’\-]+)(?:\s+[A-ZÉÈÀÂÎÔ][\w'’\-]+){0,2})"
)
SELF_NAMED = re.compile(
    r"\b(?i:je m'appelle|je me nomme|je soussignée?|"
    r"mon nom\s*:)\s+((?:[A-ZÉÈÀÂÎÔ][\w'’\-]+)(?:\s+[A-ZÉÈÀÂÎÔ][\w'’\-]+){0,2})"
)

_STREET_TYPES = {
    "rue": "rue", "r.": "rue", "avenue": "avenue", "av.": "avenue", "av": "avenue", "ave": "avenue",
    "boulevard": "boulevard", "bd": "boulevard", "bld": "boulevard", "bvd": "boulevard", "place": "place",
    "pl.": "place", "impasse": "impasse", "imp.": "impasse", "allée": "allée", "allee": "allée", "chemin": "chemin",
    "ch.": "chemin", "route": "route", "rte": "route", "quai": "quai", "cours": "cours", "square": "square",
    "passage": "passage", "rond-point": "rond-point", "esplanade": "esplanade", "cité": "cité", "résidence":
    "résidence", "lotissement": "lotissement", "montée": "montée", "sentier": "sentier", "parvis": "parvis",
    "promenade": "promenade", "voie": "voie", "faubourg": "faubourg",
}
STREET_TYPES = _STREET_TYPES
_TYPE_ALTERNATIVES = "|".join(sorted((re.escape(key) for key in _STREET_TYPES), key=len, reverse=True))
_PARTICLE = r"(?:de\s+la|de\s+l['’]|du|des|de|d['’]|la|le|les|l['’]|aux|au|en|sur|sous)"
_CAPITALISED = r"[A-ZÉÈÀÂÎÔ0-9][\w'’\-]*"
_LOWER = r"[a-zéèàâîôûç][\w'’\-]*"
# "18 rue des Glycines", "bd Gambetta", "5 allée des Tilleuls", "47 rue carnot" (a number allows lower case).
_TYPE = rf"(?P<type>\b(?i:{_TYPE_ALTERNATIVES}))(?!\w)"
_NUMBER = r"(?P<number>\b\d{1,4})(?:\s?(?P<suffix>bis|ter)\b)?,?\s+"
ADDRESS = re.compile(
    rf"(?:{_NUMBER})?{_TYPE}\s+(?P<name>(?:{_PARTICLE}\s*)?{_CAPITALISED}(?:[\s\-]+(?:{_PARTICLE}\s*)?{_CAPITALISED}){{0,4}})"
)
# With a number, a street name may be written in lower case: "47 rue carnot".
NUMBERED_LOWER_ADDRESS = re.compile(rf"{_NUMBER}{_TYPE}\s+(?P<name>(?:{_PARTICLE}\s*)?{_LOWER})")
POSTAL_COMMUNE = re.compile(
    r"\b(?P<code>(?:0[1-9]|[1-8]\d|9[0-5]|"
    r"2[AB])\d{3})\s+(?P<commune>[A-ZÉÈÀÂÎ][\w'’\-]+(?:[\s\-][A-ZÉÈÀÂÎ][\w'’\-]+)*)"
)
AT_COMMUNE = re.compile(
    r"^\s*,?\s*(?:à|a|sur la commune de|"
    r"commune de)\s+(?P<commune>[A-ZÉÈÀÂÎ][\w'’\-]+(?:[\s\-](?:[A-ZÉÈÀÂÎ][\w'’\-]+|sur|en|lès|"
    r"les|le|la|de))*)"
)

MONTHS = {"janvier": 1, "février": 2, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6, "juillet": 7,
          "août": 8, "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11, "décembre": 12, "decembre": 12}
NUMERIC_DATE = re.compile(
    r"(?<![\d/])(?P<day>[0-3]?\d)[/.\-](?P<month>[01]?\d)[/.\-](?P<year>(?:19|"
    r"20)?\d{2})(?![\d/])"
)
TEXT_DATE = re.compile((
    rf"\b(?P<day>1er|[0-3]?\d)\s+(?P<month>{'|'.join(MONTHS)})(?:\s+(?P<year>(?:19|"
    rf"20)\d{{2}}))?\b"
), re.IGNORECASE)

# Building permits and other planning files: PC 069 123 24 00045.
PLANNING_FILE = re.compile(
    r"\b(?P<kind>PC|DP|PA|PD|"
    r"CU)\s?(?P<dep>\d{3})\s?(?P<commune>\d{3})\s?(?P<year>\d{2})\s?(?P<serial>[A-Z0-9]{5})\b"
)
# "Facture n° FE-2024-118273", "dossier n°2024-1234", "réf. ENC-45872", "contrat n° 0045-778812".
NUMBERED_REFERENCE = re.compile(
    r"\b(?i:(?P<what>dossier|facture|contrat|réf(?:érence)?|ref|demande|concession|fps|avis|titre|numéro unique|"
    r"parcelle|n°\s*de\s*dossier)\.?\s*(?:n°|no\.?|num(?:éro)?\.?|:)?\s*:?\s*)"
    r"(?P<code>(?=[A-Z]{0,5}[\s\-]?\d)[A-Z]{0,5}[\s\-]?\d[\dA-Z]*(?:[\-/]\d[\dA-Z]*)*)"
)
CODE_REFERENCE = re.compile(r"\b[A-Z]{2,5}-\d{2,}(?:-\d+)*\b")
