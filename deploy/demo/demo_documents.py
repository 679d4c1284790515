"""The small text markup of `content/*.txt` and its rendering as a Word document.

Markup, one block per line (consecutive plain lines form one paragraph):
  `% key: value` metadata (title, subject, footer)   `# ` title   `## ` heading 1   `### ` heading 2
  `>> ` centred line   `>>> ` right-aligned line   `- ` bullet   `| a | b` table row (first row = header)
  `---` page break (a new slide for presentations)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.text.paragraph import Paragraph

AUTHOR = "Métropole de Démo"
FONT = "DejaVu Sans"
# Fixed so that two builds of the same sources give the same document properties.
CREATED = dt.datetime(2025, 1, 6, 9, 0, 0)
_PREFIXES = (("### ", "h2"), ("## ", "h1"), ("# ", "title"), (">>> ", "right"), (">> ", "center"),
             ("- ", "bullet"))


@dataclass
class Block:
    kind: str  # title, h1, h2, para, center, right, bullet, table
    text: str = ""
    rows: list[list[str]] = field(default_factory=list)


@dataclass
class Markup:
    meta: dict[str, str]
    pages: list[list[Block]]


def parse_markup(text: str) -> Markup:
    """Split `text` into metadata and pages of blocks."""
    meta: dict[str, str] = {}
    pages: list[list[Block]] = [[]]
    for raw in text.splitlines():
        line = raw.rstrip()
        blocks = pages[-1]
        if line == "---":
            pages.append([])
        elif line.startswith("% "):
            key, _, value = line[2:].partition(":")
            meta[key.strip()] = value.strip()
        elif not line:
            blocks.append(Block("break"))
        elif line.startswith("| "):
            cells = [cell.strip() for cell in line[1:].split("|")]
            if blocks and blocks[-1].kind == "table":
                blocks[-1].rows.append(cells)
            else:
                blocks.append(Block("table", rows=[cells]))
        else:
            _add_line(blocks, line)
    return Markup(meta, [[b for b in page if b.kind != "break"] for page in pages])


def _add_line(blocks: list[Block], line: str) -> None:
    for prefix, kind in _PREFIXES:
        if line.startswith(prefix):
            blocks.append(Block(kind, line[len(prefix):].strip()))
            return
    if blocks and blocks[-1].kind == "para":
        blocks[-1].text += " " + line.strip()
    else:
        blocks.append(Block("para", line.strip()))


def read_markup(path: Path) -> Markup:
    return parse_markup(path.read_text(encoding="utf-8"))


def write_docx(markup: Markup, target: Path) -> None:
    """Render `markup` as an A4 Word document, one markup page per printed page."""
    document = Document()
    _set_up(document, markup.meta)
    for number, page in enumerate(markup.pages):
        for index, block in enumerate(page):
            starts_page = number > 0 and index == 0
            if block.kind == "table":
                if starts_page:
                    document.add_page_break()
                _add_table(document, block.rows)
            else:
                paragraph = _add_paragraph(document, block)
                paragraph.paragraph_format.page_break_before = starts_page
    document.save(str(target))


def _set_up(document: DocxDocument, meta: dict[str, str]) -> None:
    props = document.core_properties
    props.title, props.subject = meta.get("title", ""), meta.get("subject", "")
    props.author = props.last_modified_by = AUTHOR
    props.language, props.created, props.modified, props.revision = "fr-FR", CREATED, CREATED, 1
    for name, size in (("Normal", 9.5), ("Title", 17), ("Heading 1", 13), ("Heading 2", 10.5)):
        style = document.styles[name]
        style.font.name, style.font.size = FONT, Pt(size)
        style.font.color.rgb = RGBColor(0x1F, 0x3A, 0x5F) if name != "Normal" else RGBColor(0, 0, 0)
        style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)
        style.paragraph_format.space_after = Pt(4)
        style.paragraph_format.space_before = Pt(8 if name.startswith("Heading") else 0)
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2)
    section.top_margin, section.bottom_margin = Cm(1.8), Cm(1.8)
    document.styles["Footer"].font.size = Pt(8)
    if "footer" in meta:
        _add_footer(section.footer.paragraphs[0], meta["footer"])


def _add_footer(paragraph: Paragraph, text: str) -> None:
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.add_run(f"{text} — page ")
    _add_field(paragraph, "PAGE")
    paragraph.add_run(" sur ")
    _add_field(paragraph, "NUMPAGES")


def _add_field(paragraph: Paragraph, instruction: str) -> None:
    field_element = OxmlElement("w:fldSimple")
    field_element.set(qn("w:instr"), instruction)
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field_element.append(run)
    paragraph._p.append(field_element)


def _add_paragraph(document: DocxDocument, block: Block) -> Paragraph:
    if block.kind in ("title", "h1", "h2"):
        return document.add_heading(block.text, level={"title": 0, "h1": 1, "h2": 2}[block.kind])
    if block.kind == "bullet":
        # A dash typed in the text: Word's bullet style uses a Symbol-font glyph that PDF text extraction
        # turns into a private-use character.
        paragraph = document.add_paragraph(f"– {block.text}")
        paragraph.paragraph_format.left_indent = Cm(0.9)
        paragraph.paragraph_format.first_line_indent = Cm(-0.4)
        return paragraph
    paragraph = document.add_paragraph(block.text)
    if block.kind == "center":
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.runs[0].bold = True
    elif block.kind == "right":
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        paragraph.paragraph_format.space_after = Pt(0)
    else:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT
    return paragraph


def _add_table(document: DocxDocument, rows: list[list[str]]) -> None:
    width = max(len(row) for row in rows)
    table = document.add_table(rows=len(rows), cols=width)
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for r, row in enumerate(rows):
        for c in range(width):
            cell = table.cell(r, c)
            cell.text = row[c] if c < len(row) else ""
            for run in cell.paragraphs[0].runs:
                run.font.size = Pt(8.5)
                run.bold = r == 0 or row[0] == "Total"
    document.add_paragraph().paragraph_format.space_after = Pt(0)
