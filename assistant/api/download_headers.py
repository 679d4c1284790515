"""The HTTP headers every served original carries: no sniffing, a sandbox, and a safe RFC 6266 name."""

from __future__ import annotations

from typing import Final
from urllib.parse import quote

# No script, no plugin, no request: an original is data, never a page of the application's origin.
# Chromium still shows an image under it (checked by tests/web/test_viewer.py); its PDF viewer does not
# run under `sandbox` at all, which is why PDFs are attachments and the viewer shows rendered pages.
ORIGINAL_CSP: Final = "sandbox; default-src 'none'"


def safe_filename(name: str) -> str:
    """The name without control characters or path separators, never empty."""
    cleaned = "".join(ch for ch in name if ch.isprintable() and ch not in "/\\").strip().strip(".")
    return cleaned or "document"


def content_disposition(name: str, inline: bool) -> str:
    """`attachment` (or `inline`) with an ASCII fallback name and the exact UTF-8 one (RFC 6266, 8187)."""
    safe = safe_filename(name)
    fallback = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "._- ") else "_" for ch in safe)
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(safe, safe='')}"


def original_headers(name: str, inline: bool) -> dict[str, str]:
    return {"Content-Disposition": content_disposition(name, inline), "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": ORIGINAL_CSP, "Cache-Control": "private, no-store",
            "Cross-Origin-Resource-Policy": "same-origin"}
