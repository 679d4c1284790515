"""Reading EML (stdlib `email`) and MSG (python-oxmsg) files into a `MailContent`."""

from __future__ import annotations

from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

from ingestion.document import ParseError
from ingestion.parsers.mail import MailContent, format_date


def read_eml(path: Path) -> MailContent:
    with path.open("rb") as stream:
        message = BytesParser(EmailMessage, policy=policy.default).parse(stream)
    content = MailContent(
        subject=_header(message, "subject"),
        sender=_header(message, "from"),
        recipients=_header(message, "to"),
        sent=_eml_date(message),
    )
    content.body_text = _body_text(message, "plain")
    content.body_html = _body_text(message, "html")
    for index, part in enumerate(message.iter_attachments(), start=1):
        if _is_embedded_picture(part):
            continue
        name = part.get_filename() or f"piece-jointe-{index}{_default_suffix(part)}"
        content.attachments.append((name, _attachment_bytes(part)))
    return content


def read_msg(path: Path) -> MailContent:
    from oxmsg import Message

    try:
        message = Message.load(str(path))
    except (ValueError, OSError, KeyError) as error:
        raise ParseError(f"the Outlook MSG file is damaged: {error}") from error
    recipients = ", ".join(f"{recipient.name} <{recipient.email_address}>".strip() for recipient in message.recipients)
    content = MailContent(
        subject=message.subject,
        sender=message.sender or "",
        recipients=recipients,
        sent=format_date(message.sent_date),
        body_text=message.body or "",
        body_html=message.html_body or "",
    )
    for index, attachment in enumerate(message.attachments, start=1):
        name = attachment.file_name or f"piece-jointe-{index}"
        content.attachments.append((name, attachment.file_bytes or b""))
    return content


def _header(message: EmailMessage, name: str) -> str:
    try:
        return str(message.get(name, "") or "")
    except (ValueError, TypeError, IndexError):  # a malformed header must not cost the body
        return ""


def _eml_date(message: EmailMessage) -> str:
    try:
        header = message.get("date")
        moment = getattr(header, "datetime", None)
    except (ValueError, TypeError, IndexError):
        return ""
    return format_date(moment) if moment is not None else str(header or "")


def _body_text(message: EmailMessage, subtype: str) -> str:
    body = message.get_body(preferencelist=(subtype,))
    return _part_text(body) if isinstance(body, EmailMessage) else ""


def _part_text(part: EmailMessage) -> str:
    try:
        return str(part.get_content())
    except (LookupError, ValueError, UnicodeError):  # unknown or lying charset
        payload = part.get_payload(decode=True)
        return payload.decode("cp1252", errors="replace") if isinstance(payload, bytes) else ""


def _attachment_bytes(part: EmailMessage) -> bytes:
    if part.get_content_type() == "message/rfc822":
        inner = part.get_payload()
        if isinstance(inner, list) and inner and isinstance(inner[0], EmailMessage):
            return inner[0].as_bytes()
        return b""
    payload = part.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else b""


def _is_embedded_picture(part: EmailMessage) -> bool:
    """Logos and signature images referenced by the HTML body (cid:), not documents sent."""
    return part.get_content_maintype() == "image" and bool(part.get("content-id"))


def _default_suffix(part: EmailMessage) -> str:
    return ".eml" if part.get_content_type() == "message/rfc822" else ""
