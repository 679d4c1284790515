"""E-mails (EML, Outlook MSG): a header element, the body, then each attachment parsed in turn."""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ingestion.document import Element, ElementKind, ParsedDocument, ParseError
from ingestion.parsers.elements import clean_metadata_title
from ingestion.parsers.paragraphs import split_paragraphs
from ingestion.parsers.text import html_elements
from ingestion.parsers.textio import clean_text
from ingestion.parsers.unstructured_adapter import classify_paragraphs

ParseAttachment = Callable[[Path], ParsedDocument]

_UNSAFE_NAME_CHARS_RE = re.compile(r"[^\w.\- ]+")


@dataclass
class MailContent:
    subject: str = ""
    sender: str = ""
    recipients: str = ""
    sent: str = ""
    body_text: str = ""
    body_html: str = ""
    attachments: list[tuple[str, bytes]] = field(default_factory=list)


def mail_document(
    content: MailContent, path: Path, file_type: str, parse_attachment: ParseAttachment
) -> ParsedDocument:
    elements = [Element(_header_text(content), ElementKind.TEXT)]
    elements += _body_elements(content)
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="attachments-") as work_dir:
        for index, (name, data) in enumerate(content.attachments, start=1):
            attachment_path = Path(work_dir) / f"{index}-{_safe_file_name(name)}"
            attachment_path.write_bytes(data)
            try:
                attached = parse_attachment(attachment_path)
            except ParseError as error:
                notes.append(f"attachment {name!r} skipped: {error}")
                continue
            elements.append(Element(f"Pièce jointe : {name}", ElementKind.TITLE))
            elements += [_nested(element) for element in attached.elements]
            notes += [f"attachment {name!r}: {note}" for note in attached.warnings]
    title = clean_metadata_title(content.subject) or path.stem
    return ParsedDocument(title=title, elements=elements, file_type=file_type, warnings=notes)


def format_date(value: dt.datetime | None) -> str:
    return value.strftime("%d/%m/%Y %H:%M") if value is not None else ""


def _header_text(content: MailContent) -> str:
    lines = [
        ("De", content.sender),
        ("À", content.recipients),
        ("Date", content.sent),
        ("Objet", content.subject),
    ]
    return "\n".join(f"{label} : {value}" for label, value in lines if value)


def _body_elements(content: MailContent) -> list[Element]:
    # The plain-text alternative is preferred: it is what the sender wrote, without CSS or layout.
    # A mail has no headings: its short lines are greetings and signatures, kept as plain text.
    if content.body_text.strip():
        paragraphs = classify_paragraphs(split_paragraphs(clean_text(content.body_text)), page=None)
        return [_without_heading(element) for element in paragraphs]
    if content.body_html.strip():
        return html_elements(content.body_html)
    return []


def _without_heading(element: Element) -> Element:
    if element.kind is ElementKind.TITLE:
        return Element(element.text, ElementKind.TEXT, element.page)
    return element


def _nested(element: Element) -> Element:
    """Attachment titles go one level under their "Pièce jointe" title."""
    if element.kind is ElementKind.TITLE:
        return Element(element.text, element.kind, element.page, element.depth + 1)
    return element


def _safe_file_name(name: str) -> str:
    base = Path(name.replace("\\", "/")).name
    cleaned = _UNSAFE_NAME_CHARS_RE.sub("_", base).strip(" .")
    return cleaned[-100:] or "piece-jointe"
