"""The language signal: garbage is refused before embedding, real documents (tables included) never are."""

from __future__ import annotations

import base64
import random
from pathlib import Path

import pytest

from ingestion.chunking import Chunker
from ingestion.language import language_signal
from ingestion.parsers import ParseOptions, parse_file
from tests.fakes import HashingEmbeddings
from tests.fixtures import documents as fixtures
from tests.fixtures.hostile import hex_dump

DEMO = Path(__file__).resolve().parents[2] / "deploy" / "demo"
NOISE = random.Random(11)

GARBAGE = {
    "one giant token": "a" * 3_000,
    "base64": base64.encodebytes(NOISE.randbytes(2_000)).decode(),
    "hex dump": hex_dump(NOISE.randbytes(600)),
    "random bytes": bytes(NOISE.choice(range(32, 256)) for _ in range(2_000)).decode("cp1252", "replace"),
    "punctuation": "=-" * 800,
}
LANGUAGE = {
    "french": fixtures.NARRATIVE + " " + fixtures.SECOND_NARRATIVE,
    "english": "The council approved the budget for the coming year. Residents who would like to comment "
               "should write to the mayor before the end of the month.",
    "insee rows": "\n".join(f"21{n:03d},27,21,Commune {n},21{700 + n},COM,,47.{n:05d},4.98831,4.2,{441 + n},451,154"
                            for n in range(40)),
    "codes and dates": "Arrêté n° 2025-AT-0112 du 3 mars 2025, AP-2025-05, 8h30-17h00, 2A004, 1er janvier, "
                       "Cerfa n° 15725*02, SIRET 21990001200019, 01 99 40 50 60.",
    # Found by measuring real documents (README): separators, addresses, acronyms, rows of names and codes.
    "minutes separator": "---------------------------------- Madame DASYLVA entre en séance. "
                         "----------------------------------",
    "ruled table": "| Charges |  |  |  |  |  |  |  |  | Produits\n-------------------------------- |  |  |  |  | "
                   "Université |  |  | 195 551 |  |  | 189 403\n--------------------------------",
    "address": "Déchetterie des Garennes, 14 rue des Garennes, 99000 Démoville ;",
    "glued by a pdf": "Sainte Odile  80, rue du Pré aux Clercs - 34090Montpellier",
    "acronyms": "Qu'est-ce que le CDI intermittent (CDII ou CD2I) ?",
    "insee names": "\n".join(f"76 | Occitanie | 11 | 2 | 14 | {n:03d} | Terroles | 14 | 0 | 14" for n in range(8)),
    "proper names": "Présents : M. Philippe SAUREL, Mme Isabelle TOUZARD, M. Michaël DELAFOSSE, Mme Chantal "
                    "MARION, M. Max LEVITA, Mme Perla DANAN, M. Jean-Pierre MOURE, Mme Fanny DOMBRE-COSTE.",
}


@pytest.mark.parametrize("kind", sorted(GARBAGE))
def test_garbage_is_not_language_and_says_why(kind: str) -> None:
    signal = language_signal(GARBAGE[kind])
    assert not signal.is_language, signal
    assert "only" in signal.reason()


@pytest.mark.parametrize("kind", sorted(LANGUAGE))
def test_prose_tables_codes_and_names_are_language(kind: str) -> None:
    signal = language_signal(LANGUAGE[kind])
    assert signal.is_language, signal


def test_short_texts_are_not_judged() -> None:
    assert language_signal("xq7#zz").is_language  # a title or a table cell: too short to tell


@pytest.mark.parametrize("path", sorted([*DEMO.glob("sources/*"), *DEMO.glob("content/*")]), ids=lambda p: p.name)
def test_every_chunk_of_the_demo_corpus_texts_is_language(path: Path) -> None:
    """The demo corpus's texts through the real parsers and chunker (see the README for ../shared/data)."""
    document = parse_file(path, ParseOptions())
    chunks = Chunker(HashingEmbeddings().count_tokens, 300, 512).chunk(document)
    refused = [(chunk.text[:80], language_signal(chunk.text)) for chunk in chunks
               if not language_signal(chunk.text).is_language]
    assert chunks and refused == []
