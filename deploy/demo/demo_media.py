"""Workbook, slide deck and scanned notice of the demo corpus (openpyxl, python-pptx, Pillow)."""

from __future__ import annotations

import csv
from pathlib import Path

from demo_documents import AUTHOR, CREATED, Block, Markup
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from PIL import Image, ImageDraw, ImageFont
from pptx import Presentation
from pptx.presentation import Presentation as Deck
from pptx.shapes.autoshape import Shape
from pptx.slide import Slide
from pptx.util import Emu, Inches, Pt

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
# A4 at 300 dpi, the size of a page scanned for OCR.
PAGE_PX = (2480, 3508)
MARGIN_PX = 220


def write_xlsx(sheets: dict[str, Path], target: Path, title: str) -> None:
    """One worksheet per `;`-separated CSV file, in the order given."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, csv_path in sheets.items():
        with csv_path.open(encoding="utf-8", newline="") as stream:
            rows = [[cell.strip() for cell in row] for row in csv.reader(stream, delimiter=";")]
        _fill_sheet(workbook.create_sheet(name), rows)
    props = workbook.properties
    props.title, props.creator, props.lastModifiedBy, props.language = title, AUTHOR, AUTHOR, "fr-FR"
    props.created = props.modified = CREATED
    workbook.save(str(target))


def _fill_sheet(sheet: Worksheet, rows: list[list[str]]) -> None:
    header_seen = False
    for r, row in enumerate(rows, start=1):
        filled = [value for value in row if value]
        is_header = not header_seen and len(filled) > 1
        header_seen = header_seen or is_header
        for c, value in enumerate(row, start=1):
            if value:
                cell = sheet.cell(row=r, column=c, value=value)
                cell.font = Font(bold=is_header or r == 1, size=13 if r == 1 else 11)
                cell.alignment = Alignment(wrap_text=len(filled) > 1, vertical="top")
    widths = [max((len(row[c]) for row in rows if len(row) > c and _in_table(row)), default=10)
              for c in range(max(len(row) for row in rows))]
    for c, width in enumerate(widths):
        sheet.column_dimensions[get_column_letter(c + 1)].width = min(max(width + 2, 12), 60)
    sheet.freeze_panes = None


def _in_table(row: list[str]) -> bool:
    return sum(1 for value in row if value) > 1


def write_pptx(markup: Markup, target: Path) -> None:
    """A 16:9 deck: the first markup page is the title slide, the others title + bullets and/or a table."""
    deck = Presentation()
    deck.slide_width, deck.slide_height = Inches(13.333), Inches(7.5)
    for number, page in enumerate(markup.pages):
        if number == 0:
            _title_slide(deck, page)
        else:
            _content_slide(deck, page)
    props = deck.core_properties
    props.title, props.subject = markup.meta.get("title", ""), markup.meta.get("subject", "")
    props.author = props.last_modified_by = AUTHOR
    props.language, props.created, props.modified, props.revision = "fr-FR", CREATED, CREATED, 1
    deck.save(str(target))


def _title_slide(deck: Deck, page: list[Block]) -> None:
    slide = deck.slides.add_slide(deck.slide_layouts[0])
    title, subtitle = slide.shapes.title, slide.placeholders[1]
    _place(deck, title, 2.0, 1.6)
    _place(deck, subtitle, 3.9, 1.6)
    _set_lines(title, [next(b.text for b in page if b.kind == "title")], 40, bold=True)
    _set_lines(subtitle, [b.text for b in page if b.kind == "center"], 22)


def _content_slide(deck: Deck, page: list[Block]) -> None:
    slide = deck.slides.add_slide(deck.slide_layouts[1])
    title, body = slide.shapes.title, slide.placeholders[1]
    _place(deck, title, 0.4, 1.1)
    _set_lines(title, [next(b.text for b in page if b.kind == "h1")], 34, bold=True)
    lines = [b.text for b in page if b.kind in ("bullet", "para")]
    if lines:
        _place(deck, body, 1.7, 5.3)
        _set_lines(body, lines, 24)
    else:
        body._element.getparent().remove(body._element)
    for block in (b for b in page if b.kind == "table"):
        _add_slide_table(slide, deck, block.rows)


def _place(deck: Deck, shape: Shape, top_in: float, height_in: float) -> None:
    """Give a placeholder an explicit position: the default layouts are 4:3, the deck is 16:9."""
    shape.left, shape.width = Inches(0.8), Emu(deck.slide_width - Inches(1.6))
    shape.top, shape.height = Inches(top_in), Inches(height_in)


def _set_lines(shape: Shape, lines: list[str], size: int, bold: bool = False) -> None:
    frame = shape.text_frame
    frame.text = lines[0]
    for line in lines[1:]:
        frame.add_paragraph().text = line
    for paragraph in frame.paragraphs:
        for run in paragraph.runs:
            run.font.size, run.font.bold = Pt(size), bold


def _add_slide_table(slide: Slide, deck: Deck, rows: list[list[str]]) -> None:
    width = Emu(deck.slide_width - Inches(1.6))
    shape = slide.shapes.add_table(len(rows), len(rows[0]), Inches(0.8), Inches(1.8), width, Inches(4.2))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            cell = shape.table.cell(r, c)
            cell.text = value
            for run in cell.text_frame.paragraphs[0].runs:
                run.font.size, run.font.bold = Pt(20), r == 0 or row[0] == "Total"


def write_scan(lines: list[str], target: Path) -> None:
    """Render a short notice as a grey-scale A4 page at 300 dpi, slightly skewed like a scan."""
    image = Image.new("L", PAGE_PX, 255)
    draw = ImageDraw.Draw(image)
    draw.rectangle((120, 120, PAGE_PX[0] - 120, PAGE_PX[1] - 120), outline=0, width=6)
    y = MARGIN_PX
    for line in lines:
        y = _draw_line(draw, line, y)
    image = image.rotate(0.4, resample=Image.Resampling.BICUBIC, fillcolor=255)
    image.save(str(target), dpi=(300, 300), optimize=True)


def _draw_line(draw: ImageDraw.ImageDraw, line: str, y: int) -> int:
    """Draw one markup line (`# `, `## `, `- ` or plain), wrapped to the page; return the next y."""
    if not line.strip():
        return y + 60
    styles = {"# ": ("DejaVuSans-Bold.ttf", 100, True), "## ": ("DejaVuSans-Bold.ttf", 70, True)}
    prefix = next((p for p in styles if line.startswith(p)), "")
    font_file, size, centred = styles.get(prefix, ("DejaVuSans.ttf", 56, False))
    font = ImageFont.truetype(str(FONT_DIR / font_file), size)
    text = line[len(prefix):]
    indent = 60 if text.startswith("- ") else 0
    text = "– " + text[2:] if indent else text
    for row in _wrap(draw, text, font, PAGE_PX[0] - 2 * MARGIN_PX - indent):
        x = (PAGE_PX[0] - draw.textlength(row, font=font)) / 2 if centred else MARGIN_PX + indent
        draw.text((x, y), row, font=font, fill=0)
        y += int(size * 1.45)
    return y


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    rows: list[str] = []
    for word in text.split():
        if rows and draw.textlength(f"{rows[-1]} {word}", font=font) <= width:
            rows[-1] = f"{rows[-1]} {word}"
        else:
            rows.append(word)
    return rows
