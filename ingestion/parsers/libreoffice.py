"""Format conversion with headless LibreOffice (DOC/ODT to DOCX, ODS to XLSX)."""

from __future__ import annotations

from pathlib import Path

from ingestion.document import ParseError
from ingestion.parsers.tools import run_tool


def convert_with_libreoffice(source: Path, source_type: str, target_type: str, work_dir: Path) -> Path:
    """Convert `source` into `work_dir` and return the converted file.

    Each call gets its own LibreOffice profile: concurrent conversions sharing the default
    profile silently fail ("already running"), and a profile left by a crash cannot block us.
    The source is linked under a neutral name with its real extension, because LibreOffice picks
    its import filter partly from the extension and the admin's file may be misnamed.
    """
    linked_source = work_dir / f"source.{source_type}"
    linked_source.symlink_to(source.resolve())
    profile = work_dir / "libreoffice-profile"
    run_tool(
        [
            "soffice",
            "--headless",
            "--norestore",
            "--nolockcheck",
            f"-env:UserInstallation={profile.as_uri()}",
            "--convert-to",
            target_type,
            "--outdir",
            str(work_dir),
            str(linked_source),
        ],
        extra_env={"TMPDIR": str(work_dir)},  # its sockets and temp files go away with work_dir
    )
    converted = work_dir / f"source.{target_type}"
    if not converted.is_file() or converted.stat().st_size == 0:
        raise ParseError(
            f"LibreOffice could not convert the {source_type.upper()} file (damaged or password-protected?)"
        )
    return converted
