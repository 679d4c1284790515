from __future__ import annotations

from ingestion.chunking import Chunker
from ingestion.document import Element, ElementKind, ParsedDocument


def words(text: str) -> int:
    return len(text.split())


def doc(*elements: Element, title: str = "Règlement de collecte") -> ParsedDocument:
    return ParsedDocument(title=title, elements=list(elements), file_type="pdf", page_count=3)


def narrative(text: str, page: int | None = 1) -> Element:
    return Element(text, ElementKind.NARRATIVE, page)


def test_sections_are_tracked_and_prefixed() -> None:
    chunks = Chunker(words, 50, 512).chunk(doc(
        Element("Encombrants", ElementKind.TITLE, 2, 0),
        narrative("Les encombrants sont collectés sur rendez-vous.", 2),
        Element("Déchetteries", ElementKind.TITLE, 3, 0),
        Element("Horaires", ElementKind.TITLE, 3, 1),
        narrative("Ouvertes du lundi au samedi.", 3),
    ))
    assert [(c.section, c.page) for c in chunks] == [("Encombrants", 2), ("Déchetteries > Horaires", 3)]
    assert chunks[1].indexed_text.startswith("Règlement de collecte\nDéchetteries > Horaires\n")
    assert chunks[1].text == "Ouvertes du lundi au samedi."


def test_chunks_never_span_pages_or_exceed_budget() -> None:
    paragraphs = [narrative(" ".join(["mot"] * 30), page=1 + i // 4) for i in range(12)]
    chunks = Chunker(words, 70, 512).chunk(doc(*paragraphs))
    assert all(words(c.text) <= 70 for c in chunks)
    assert [c.page for c in chunks] == [1, 1, 2, 2, 3, 3]


def test_oversized_table_is_split_by_rows_and_small_table_kept_whole() -> None:
    small = Element("Tarif | Prix\nAdulte | 4,50 €", ElementKind.TABLE, 1)
    rows = [f"ligne {i} | {i} €" for i in range(60)]
    big = Element("\n".join(["Libellé | Montant", *rows]), ElementKind.TABLE, 2)
    chunks = Chunker(words, 40, 512).chunk(doc(small, big))
    assert chunks[0].text == small.text
    pieces = chunks[1:]
    assert len(pieces) > 1 and all(words(c.text) <= 40 for c in pieces)
    assert all(c.text.startswith("Libellé | Montant\n") for c in pieces)
    assert [line for c in pieces for line in c.text.splitlines()[1:]] == rows


def test_run_on_text_without_spaces_is_cut() -> None:
    blob = "x" * 100_000
    chunks = Chunker(lambda t: len(t) // 3 + 1, 100, 512).chunk(doc(narrative(blob)))
    assert sum(len(c.text) for c in chunks) == 100_000
    assert max(len(c.text) for c in chunks) <= 300


def test_document_of_titles_only_keeps_its_text() -> None:
    chunks = Chunker(words, 50, 512).chunk(doc(Element("Horaires : 9h-17h", ElementKind.TITLE, None)))
    assert len(chunks) == 1 and "9h-17h" in chunks[0].text


def test_sentences_split_long_paragraph() -> None:
    paragraph = " ".join(f"Phrase numéro {i} sur la collecte des déchets." for i in range(40))
    chunks = Chunker(words, 60, 512).chunk(doc(narrative(paragraph)))
    assert len(chunks) > 1
    assert all(c.text.endswith(".") for c in chunks)
