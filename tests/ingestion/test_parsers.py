"""Parsers on real files of every format, generated here, and on hostile ones."""

from __future__ import annotations

import random
import time
from pathlib import Path

import psutil
import pytest

from ingestion.document import ElementKind, ParsedDocument, ParseError
from ingestion.parsers import SUPPORTED_SUFFIXES, ParseOptions, detect_file_type, parse_file
from ingestion.parsers.csv_table import guess_delimiter
from ingestion.parsers.elements import split_long_text, table_elements
from ingestion.parsers.limits import MAX_ELEMENT_CHARS
from ingestion.parsers.spreadsheet import cell_text
from ingestion.parsers.tools import run_tool
from tests.fixtures import documents as fixtures

OPTIONS = ParseOptions()


def kinds_of(document: ParsedDocument, kind: ElementKind) -> list[str]:
    return [element.text for element in document.elements if element.kind is kind]


def full_text(document: ParsedDocument) -> str:
    return "\n".join(element.text for element in document.elements)


@pytest.fixture(scope="session")
def libreoffice_documents(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """ODT, DOC, ODS and XLS converted from generated DOCX/XLSX, once: LibreOffice takes seconds to start."""
    directory = tmp_path_factory.mktemp("libreoffice")
    docx, xlsx = fixtures.write_docx(directory), fixtures.write_xlsx(directory)
    for source, target in [(docx, "odt"), (docx, "doc"), (xlsx, "ods"), (xlsx, "xls")]:
        fixtures.convert_with_soffice([source], target, directory)
    stems = {"odt": "deliberation", "doc": "deliberation", "ods": "subventions", "xls": "subventions"}
    return {suffix: directory / f"{stem}.{suffix}" for suffix, stem in stems.items()}


# -- detection ------------------------------------------------------------------------------------


def test_detection_reads_content_not_extension(tmp_path: Path) -> None:
    pdf = fixtures.write_text_pdf(tmp_path, [[fixtures.NARRATIVE]])
    misnamed_pdf = tmp_path / "rapport.docx"
    misnamed_pdf.write_bytes(pdf.read_bytes())
    misnamed_docx = tmp_path / "note.pdf"
    misnamed_docx.write_bytes(fixtures.write_docx(tmp_path).read_bytes())
    html_as_txt = tmp_path / "page.txt"
    html_as_txt.write_bytes(fixtures.write_html(tmp_path).read_bytes())
    eml = fixtures.write_eml(tmp_path, pdf)
    eml_as_txt = tmp_path / "message.txt"
    eml_as_txt.write_bytes(eml.read_bytes())

    assert detect_file_type(misnamed_pdf) == "pdf"
    assert detect_file_type(misnamed_docx) == "docx"
    assert detect_file_type(html_as_txt) == "html"
    assert detect_file_type(eml_as_txt) == "eml"
    assert detect_file_type(fixtures.write_pptx(tmp_path)) == "pptx"
    assert detect_file_type(fixtures.write_xlsx(tmp_path)) == "xlsx"
    assert detect_file_type(fixtures.write_msg(tmp_path, pdf)) == "msg"
    assert detect_file_type(fixtures.write_png(tmp_path)) == "png"
    assert detect_file_type(fixtures.write_latin1_csv(tmp_path)) == "csv"
    assert detect_file_type(fixtures.write_markdown(tmp_path)) == "md"


def test_supported_suffixes_are_lower_case_with_a_dot() -> None:
    assert {".pdf", ".docx", ".msg", ".jpeg", ".csv"} <= SUPPORTED_SUFFIXES
    assert all(suffix.startswith(".") and suffix == suffix.lower() for suffix in SUPPORTED_SUFFIXES)


# -- formats --------------------------------------------------------------------------------------


def test_txt_paragraphs_and_title(tmp_path: Path) -> None:
    document = parse_file(fixtures.write_txt(tmp_path), OPTIONS)
    assert document.file_type == "txt" and document.page_count is None
    assert document.title == fixtures.HEADING
    assert any(text.startswith("Le conseil municipal a approuvé") for text in kinds_of(document, ElementKind.NARRATIVE))
    assert all(element.page is None for element in document.elements)


def test_html_title_headings_and_table(tmp_path: Path) -> None:
    document = parse_file(fixtures.write_html(tmp_path), OPTIONS)
    assert document.title == "Séance du conseil"
    assert "Voirie" in kinds_of(document, ElementKind.TITLE)
    assert "Poste | Montant\nVoirie | 12 000 €" in kinds_of(document, ElementKind.TABLE)


def test_latin1_semicolon_csv_keeps_accents_and_decimal_commas(tmp_path: Path) -> None:
    document = parse_file(fixtures.write_latin1_csv(tmp_path), OPTIONS)
    [table] = kinds_of(document, ElementKind.TABLE)
    assert table.splitlines() == [
        "Commune | Population | Superficie (km²)",
        "Évreux | 46 700 | 26,4",
        "Rouen | 114 000 | 21,38",
    ]
    assert document.title == "communes"


def test_docx_metadata_title_headings_list_and_table(tmp_path: Path) -> None:
    document = parse_file(fixtures.write_docx(tmp_path), OPTIONS)
    assert document.title == "Délibération sur les tarifs"
    titles = [(e.text, e.depth) for e in document.elements if e.kind is ElementKind.TITLE]
    assert titles == [("Tarifs de la cantine", 0), ("Voirie", 1)]
    assert "Tarif | Montant\nRepas enfant | 3,50 €" in kinds_of(document, ElementKind.TABLE)
    assert "Repas enfant" in kinds_of(document, ElementKind.LIST_ITEM)
    assert fixtures.NARRATIVE in kinds_of(document, ElementKind.NARRATIVE)


def test_pptx_pages_are_slides(tmp_path: Path) -> None:
    document = parse_file(fixtures.write_pptx(tmp_path), OPTIONS)
    assert document.page_count == 2 and document.title == "Projet de mandat"
    pages = {element.text: element.page for element in document.elements}
    assert pages[fixtures.NARRATIVE] == 1
    assert pages["Poste | Montant\nVoirie | 12 000"] == 2


def test_xlsx_sheets_are_sections_with_readable_rows(tmp_path: Path) -> None:
    document = parse_file(fixtures.write_xlsx(tmp_path), OPTIONS)
    assert document.title == "Subventions aux associations"
    assert kinds_of(document, ElementKind.TITLE) == ["Sport", "Culture"]  # the empty sheet is skipped
    assert kinds_of(document, ElementKind.TABLE)[0].splitlines() == [
        "Association | Montant | Date du vote",
        "Football club | 1500 | 12/03/2024",
        "Tennis club | 820.5 | 12/03/2024",
    ]


def test_pdf_text_layer_has_exact_pages_and_metadata_title(tmp_path: Path) -> None:
    pages = [[fixtures.HEADING, "", fixtures.NARRATIVE], [fixtures.SECOND_NARRATIVE]]
    document = parse_file(fixtures.write_text_pdf(tmp_path, pages, title="Rapport d'activité"), OPTIONS)
    assert document.title == "Rapport d'activité" and document.page_count == 2
    assert [(e.kind, e.page) for e in document.elements] == [
        (ElementKind.TITLE, 1),
        (ElementKind.NARRATIVE, 1),
        (ElementKind.NARRATIVE, 2),
    ]
    assert document.warnings == []


def test_pdf_ruled_table_comes_out_whole_between_its_paragraphs(tmp_path: Path) -> None:
    document = parse_file(fixtures.write_table_pdf(tmp_path), OPTIONS)
    page_two = [(e.kind, e.text) for e in document.elements if e.page == 2]
    assert page_two == [
        (ElementKind.NARRATIVE, "Les tarifs de la piscine sont votés chaque année."),
        (ElementKind.TABLE, "Prestation | Tarif plein | Tarif réduit\nEntrée adulte | 4,50 € | 3,00 €\n"
                            "Carte de dix entrées | 38,00 € | 25,00 €"),
        (ElementKind.NARRATIVE, "Les enfants de moins de trois ans entrent gratuitement."),
    ]


def test_eml_header_body_and_parsed_pdf_attachment(tmp_path: Path) -> None:
    attachment = fixtures.write_text_pdf(tmp_path, [[fixtures.HEADING], [fixtures.SECOND_NARRATIVE]])
    document = parse_file(fixtures.write_eml(tmp_path, attachment), OPTIONS)
    assert document.file_type == "eml" and document.title == "Permis de construire n° 2024-015"
    header = document.elements[0].text
    assert "De : Marie Dupont <marie.dupont@mairie-exemple.fr>" in header and "Date : 12/03/2024 10:15" in header
    texts = [element.text for element in document.elements]
    assert fixtures.NARRATIVE in texts
    after_attachment = texts[texts.index("Pièce jointe : annexe.pdf") + 1 :]
    assert fixtures.SECOND_NARRATIVE in after_attachment
    attached = next(e for e in document.elements if e.text == fixtures.SECOND_NARRATIVE)
    assert attached.page == 2


def test_msg_subject_sender_body_and_attachment(tmp_path: Path) -> None:
    document = parse_file(fixtures.write_msg(tmp_path, fixtures.write_txt(tmp_path, "ordre-du-jour.txt")), OPTIONS)
    assert document.file_type == "msg" and document.title == "Réunion de chantier"
    assert "De : Marie Dupont" in document.elements[0].text
    assert "Date : 12/03/2024 09:30" in document.elements[0].text
    texts = [element.text for element in document.elements]
    assert fixtures.SECOND_NARRATIVE in texts
    attachment_start = texts.index("Pièce jointe : ordre-du-jour.txt")
    assert any(text.startswith(fixtures.NARRATIVE) for text in texts[attachment_start:])


@pytest.mark.integration
def test_scanned_pdf_page_is_ocred_with_its_page_number(tmp_path: Path) -> None:
    document = parse_file(fixtures.write_mixed_pdf(tmp_path), OPTIONS)
    assert document.page_count == 2
    assert document.warnings == ["OCR used on page(s) 2"]
    scanned = " ".join(element.text for element in document.elements if element.page == 2)
    for word in ("Arrêté", "municipal", "maire", "fermeture", "marché", "couvert"):
        assert word in scanned
    assert fixtures.NARRATIVE in full_text(document)


@pytest.mark.integration
def test_png_is_ocred(tmp_path: Path) -> None:
    document = parse_file(fixtures.write_png(tmp_path), OPTIONS)
    assert document.file_type == "png" and document.page_count == 1
    assert "fermeture du marché couvert" in full_text(document)


@pytest.mark.integration
@pytest.mark.parametrize("suffix", ["odt", "doc"])
def test_word_processing_files_via_libreoffice(libreoffice_documents: dict[str, Path], suffix: str) -> None:
    document = parse_file(libreoffice_documents[suffix], OPTIONS)
    assert document.file_type == suffix and document.title == "Délibération sur les tarifs"
    assert fixtures.NARRATIVE in kinds_of(document, ElementKind.NARRATIVE)
    assert "Tarif | Montant\nRepas enfant | 3,50 €" in kinds_of(document, ElementKind.TABLE)


@pytest.mark.integration
@pytest.mark.parametrize("suffix", ["ods", "xls"])
def test_legacy_and_open_workbooks(libreoffice_documents: dict[str, Path], suffix: str) -> None:
    document = parse_file(libreoffice_documents[suffix], OPTIONS)
    assert document.file_type == suffix
    assert kinds_of(document, ElementKind.TITLE) == ["Sport", "Culture"]
    assert "Football club | 1500 | 12/03/2024" in kinds_of(document, ElementKind.TABLE)[0]


# -- hostile files --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make_file", "reason"),
    [
        (lambda d: fixtures.write_zip_bomb_docx(d), "zip bomb"),
        (lambda d: fixtures.write_zip_bomb_docx(d, members=40), r"'\(all members\)'.*zip bomb"),
        (lambda d: fixtures.write_encrypted_pdf(d), "encrypted"),
        (lambda d: fixtures.truncated_copy(fixtures.write_text_pdf(d, [["x"]]), d, "t.pdf"), "damaged"),
        (lambda d: fixtures.truncated_copy(fixtures.write_docx(d), d, "t.docx"), "damaged or truncated"),
        (lambda d: fixtures._write(d / "vide.txt", b""), "empty"),
        (lambda d: fixtures._write(d / "data.pdf", random.Random(7).randbytes(50_000)), "unsupported"),
        (lambda d: fixtures._write(d / "prog.docx", Path("/bin/true").read_bytes()), "ELF"),
    ],
    ids=[
        "zip-bomb",
        "many-small-bombs",
        "encrypted-pdf",
        "truncated-pdf",
        "truncated-docx",
        "empty",
        "random-bytes",
        "executable",
    ],
)
def test_hostile_files_raise_a_clear_parse_error(tmp_path: Path, make_file, reason: str) -> None:
    with pytest.raises(ParseError, match=reason):
        parse_file(make_file(tmp_path), OPTIONS)


def test_pdf_with_only_an_owner_password_is_read(tmp_path: Path) -> None:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(fixtures.write_text_pdf(tmp_path, [[fixtures.NARRATIVE]])).pages:
        writer.add_page(page)
    writer.encrypt(user_password="", owner_password="proprietaire", algorithm="AES-256")
    restricted = tmp_path / "restreint.pdf"
    writer.write(str(restricted))
    assert kinds_of(parse_file(restricted, OPTIONS), ElementKind.NARRATIVE) == [fixtures.NARRATIVE]


def test_external_tool_timeout_kills_what_the_tool_started(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    with pytest.raises(ParseError, match="took longer than"):
        run_tool(["sh", "-c", f"sleep 60 & echo $! > {pid_file}; wait"], timeout_s=0.5)
    sleeper = int(pid_file.read_text())
    time.sleep(0.2)
    assert not psutil.pid_exists(sleeper) or psutil.Process(sleeper).status() == psutil.STATUS_ZOMBIE


def test_file_over_the_size_limit_is_refused_before_reading(tmp_path: Path) -> None:
    big = fixtures._write(tmp_path / "gros.txt", b"mot " * 300_000)
    with pytest.raises(ParseError, match=r"1\.1 MB, over the 1 MB limit"):
        parse_file(big, ParseOptions(max_file_mb=1))


def test_multi_megabyte_line_without_spaces_is_bounded_and_fast(tmp_path: Path) -> None:
    parse_file(fixtures.write_txt(tmp_path), OPTIONS)  # warm-up: spaCy and unstructured imports
    started = time.perf_counter()
    document = parse_file(fixtures._write(tmp_path / "ligne.txt", b"a" * 5_000_000), OPTIONS)
    assert time.perf_counter() - started < 20
    assert sum(len(element.text) for element in document.elements) == 5_000_000
    assert max(len(element.text) for element in document.elements) <= MAX_ELEMENT_CHARS


def test_nul_bytes_are_removed_with_a_warning(tmp_path: Path) -> None:
    damaged = fixtures._write(tmp_path / "abime.txt", f"{fixtures.NARRATIVE}\x00\x00\x00".encode())
    document = parse_file(damaged, OPTIONS)
    assert kinds_of(document, ElementKind.NARRATIVE) == [fixtures.NARRATIVE]
    assert document.warnings == ["3 NUL characters removed (the file may be damaged)"]


# -- building blocks ------------------------------------------------------------------------------


def test_split_long_text_prefers_spaces_and_keeps_every_character() -> None:
    text = "mot " * 3_000
    pieces = split_long_text(text, max_chars=1_000)
    assert all(len(piece) <= 1_000 for piece in pieces)
    assert "".join(pieces).replace(" ", "") == text.replace(" ", "")
    assert all(piece.endswith("mot") for piece in pieces)


def test_long_tables_repeat_their_header_in_every_chunk() -> None:
    rows = [["Nom", "Montant"]] + [[f"Ligne {n}", str(n)] for n in range(2_000)]
    chunks = list(table_elements(rows))
    assert len(chunks) > 1
    assert all(chunk.text.startswith("Nom | Montant\n") for chunk in chunks)
    assert all(len(chunk.text) <= MAX_ELEMENT_CHARS for chunk in chunks)


@pytest.mark.parametrize(
    ("sample", "delimiter"),
    [("a;b;c\n1,5;2;3\n", ";"), ("a,b,c\n1,2,3\n", ","), ("a\tb\n1\t2\n", "\t"), ("seul\n", ",")],
)
def test_guess_delimiter(sample: str, delimiter: str) -> None:
    assert guess_delimiter(sample) == delimiter


def test_cell_text_is_readable() -> None:
    import datetime as dt

    assert [cell_text(v) for v in (None, 3.0, 0.1 + 0.2, dt.datetime(2024, 1, 5, 14, 30), "x")] == [
        "",
        "3",
        "0.3",
        "05/01/2024 14:30",
        "x",
    ]
