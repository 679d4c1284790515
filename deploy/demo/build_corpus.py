"""Build the demo corpus of the fictional "Métropole de Démo" into deploy/demo/generated/.

Usage: .venv/bin/python deploy/demo/build_corpus.py [--out deploy/demo/generated] [--force]

The binary documents (DOCX, PDF, XLSX, ODS, ODT, PPTX, PNG) are generated from the text in
`content/`; the text documents of `sources/` are copied as they are. LibreOffice (soffice) does the
PDF, ODT and ODS conversions. Nothing is rebuilt while the corpus is newer than the generator and
its inputs, and the corpus is assembled in a temporary folder that replaces the old one only once
complete, so an interrupted run never leaves half a corpus. See README.md for the manifest.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from demo_documents import Markup

HERE = Path(__file__).resolve().parent
CONTENT = HERE / "content"
SOURCES = HERE / "sources"
DEFAULT_OUT = HERE / "generated"
STAMP = ".corpus-stamp.json"
GENERATOR_FILES = (HERE / "build_corpus.py", HERE / "demo_documents.py", HERE / "demo_media.py")
SOFFICE_TIMEOUT_S = 300

REGLEMENT = "reglement_collecte_dechets_2025"
DELIBERATION = "deliberation_2025-047_plan_velo"
TARIFS = "tarifs_piscines_2025"
ETAT_CIVIL = "demarches_etat_civil"
BILAN = "bilan_proprete_urbaine_2024"
AVIS = "avis_travaux_rue_republique"
GENERATED = (
    f"{REGLEMENT}.docx", f"{REGLEMENT}.pdf", f"{DELIBERATION}.pdf", f"{TARIFS}.xlsx", f"{TARIFS}.ods",
    f"{ETAT_CIVIL}.odt", f"{BILAN}.pptx", f"{AVIS}.png",
)
_PDF_PAGE_RE = re.compile(rb"/Type\s*/Page(?![A-Za-z])")


class BuildError(Exception):
    """The corpus could not be built; the message says why."""


def source_files() -> list[Path]:
    return sorted(p for p in SOURCES.iterdir() if p.is_file() and not p.name.startswith("."))


def expected_outputs() -> list[str]:
    return sorted([*GENERATED, *(p.name for p in source_files())])


def newest_input() -> float:
    inputs = [*GENERATOR_FILES, *CONTENT.iterdir(), *source_files()]
    return max(path.stat().st_mtime for path in inputs)


def is_fresh(out: Path) -> bool:
    """True when the corpus in `out` is complete and newer than the generator and all its inputs."""
    stamp = out / STAMP
    try:
        listed = json.loads(stamp.read_text(encoding="utf-8"))["files"]
        stamp_time = stamp.stat().st_mtime
    except (OSError, ValueError, KeyError, TypeError):
        return False
    if listed != expected_outputs() or stamp_time < newest_input():
        return False
    return all((out / name).is_file() and (out / name).stat().st_mtime <= stamp_time for name in listed)


def find_soffice() -> str:
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    raise BuildError(
        "LibreOffice is needed for the PDF, ODT and ODS conversions but `soffice` is not on PATH.\n"
        "Install it (e.g. `apt-get install libreoffice-writer libreoffice-calc`) or add it to PATH."
    )


def _run_in_own_group(command: list[str], timeout_s: float) -> subprocess.CompletedProcess[str]:
    """soffice is a wrapper that forks soffice.bin: on timeout or interruption the whole group is killed."""
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          start_new_session=True) as process:
        try:
            stdout, stderr = process.communicate(timeout=timeout_s)
        except BaseException:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            raise
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def soffice_convert(soffice: str, files: Sequence[Path], target: str, outdir: Path, profile: Path,
                    infilter: str | None = None) -> list[Path]:
    """Convert `files` with a private LibreOffice profile; return the converted files."""
    command = [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
               "--nologo", "--nodefault", "--nolockcheck"]
    if infilter:
        command.append(f"--infilter={infilter}")
    command += ["--convert-to", target, "--outdir", str(outdir), *map(str, files)]
    try:
        result = _run_in_own_group(command, SOFFICE_TIMEOUT_S)
    except subprocess.TimeoutExpired as error:
        raise BuildError(f"soffice took more than {SOFFICE_TIMEOUT_S} s converting to {target}") from error
    extension = target.split(":")[0]
    outputs = [outdir / f"{path.stem}.{extension}" for path in files]
    missing = [path.name for path in outputs if not path.is_file()]
    if result.returncode != 0 or missing:
        detail = (result.stderr or result.stdout).strip()[-800:]
        raise BuildError(f"soffice could not produce {', '.join(missing) or target} "
                         f"(exit code {result.returncode}): {detail}")
    return outputs


def count_pdf_pages(path: Path) -> int:
    return len(_PDF_PAGE_RE.findall(path.read_bytes()))


def check_pages(pdf: Path, expected: int) -> None:
    """Facts are placed on given pages (see README.md): a page that overflowed would shift them."""
    pages = count_pdf_pages(pdf)
    if pages != expected:
        raise BuildError(f"{pdf.name} has {pages} pages instead of {expected}: a page of "
                         f"content/{pdf.stem}.txt overflows; shorten it so the page numbers stay right")


def write_python_formats(stage: Path) -> dict[str, Markup]:
    """DOCX, XLSX, PPTX and PNG; return the markup of the documents that become PDFs, by name."""
    from demo_documents import read_markup, write_docx
    from demo_media import write_pptx, write_scan, write_xlsx

    to_pdf = {name: read_markup(CONTENT / f"{name}.txt") for name in (REGLEMENT, DELIBERATION)}
    write_docx(to_pdf[REGLEMENT], stage / f"{REGLEMENT}.docx")
    sheets = {"Tarifs": CONTENT / f"{TARIFS}.csv", "Horaires": CONTENT / "horaires_piscines_2025.csv"}
    write_xlsx(sheets, stage / f"{TARIFS}.xlsx", "Tarifs et horaires des piscines métropolitaines 2025")
    write_pptx(read_markup(CONTENT / f"{BILAN}.txt"), stage / f"{BILAN}.pptx")
    write_scan((CONTENT / f"{AVIS}.txt").read_text(encoding="utf-8").splitlines(), stage / f"{AVIS}.png")
    return to_pdf


def convert_with_soffice(stage: Path, soffice: str, deliberation: Markup) -> None:
    """PDF, ODT and ODS; the délibération's DOCX is only an intermediate, kept out of the corpus."""
    from demo_documents import write_docx

    with tempfile.TemporaryDirectory(prefix="demo-corpus-soffice-") as work_name:
        work = Path(work_name)
        write_docx(deliberation, work / f"{DELIBERATION}.docx")
        profile = work / "profile"
        soffice_convert(soffice, [stage / f"{REGLEMENT}.docx", work / f"{DELIBERATION}.docx"],
                        "pdf:writer_pdf_Export", stage, profile)
        soffice_convert(soffice, [stage / f"{ETAT_CIVIL}.html"], "odt:writer8", stage, profile,
                        infilter="HTML (StarWriter)")
        soffice_convert(soffice, [stage / f"{TARIFS}.xlsx"], "ods:calc8", stage, profile)


def build(stage: Path, soffice: str) -> None:
    """Write the whole corpus into the empty folder `stage`."""
    if str(HERE) not in sys.path:
        sys.path.insert(0, str(HERE))
    for path in source_files():
        shutil.copyfile(path, stage / path.name)
    to_pdf = write_python_formats(stage)
    convert_with_soffice(stage, soffice, to_pdf[DELIBERATION])
    for name, markup in to_pdf.items():
        check_pages(stage / f"{name}.pdf", len(markup.pages))
    made = sorted(p.name for p in stage.iterdir() if not p.name.startswith("."))
    if made != expected_outputs():
        raise BuildError(f"unexpected corpus content: {made} instead of {expected_outputs()}")
    (stage / STAMP).write_text(json.dumps({"files": made}, indent=1) + "\n", encoding="utf-8")


@contextlib.contextmanager
def locked(out: Path) -> Iterator[None]:
    """One build at a time per output folder; a second run waits, then finds the corpus fresh."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with (out.parent / f".{out.name}.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def remove_leftovers(out: Path) -> None:
    """Folders left by a run that was killed before it could clean up (we hold the lock)."""
    for pattern in (f".{out.name}.tmp-*", f".{out.name}.old-*"):
        for leftover in out.parent.glob(pattern):
            shutil.rmtree(leftover, ignore_errors=True)


def check_replaceable(out: Path) -> None:
    if out.is_dir() and not (out / STAMP).is_file() and any(out.iterdir()):
        raise BuildError(f"refusing to replace {out}: it is not empty and was not made by this script")
    if out.exists() and not out.is_dir():
        raise BuildError(f"{out} exists and is not a folder")


def publish(stage: Path, out: Path) -> None:
    """Replace `out` by the complete `stage`, refusing to delete a folder this script did not make."""
    stage.chmod(0o755)
    if not out.exists():
        stage.rename(out)
        return
    check_replaceable(out)
    old = out.with_name(f".{out.name}.old-{os.getpid()}")
    out.rename(old)
    stage.rename(out)
    shutil.rmtree(old)


def run(out: Path, force: bool) -> str:
    """Build the corpus unless it is fresh; return what was done."""
    with locked(out):
        if not force and is_fresh(out):
            return f"demo corpus up to date in {out} (use --force to rebuild)"
        check_replaceable(out)
        soffice = find_soffice()
        remove_leftovers(out)
        stage = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
        try:
            build(stage, soffice)
            publish(stage, out)
        finally:
            shutil.rmtree(stage, ignore_errors=True)
    return f"demo corpus built in {out}: {len(expected_outputs())} files"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Build the Métropole de Démo demo corpus.")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help=f"corpus folder (default: {DEFAULT_OUT.relative_to(HERE.parent.parent)})")
    parser.add_argument("--force", action="store_true", help="rebuild even if the corpus is up to date")
    return parser.parse_args(argv)


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)  # unwinds like Ctrl-C: the temporary folders are removed


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    started = time.monotonic()
    try:
        message = run(args.out.resolve(), args.force)
    except BuildError as error:
        print(f"build_corpus: error: {error}", file=sys.stderr)
        return 2
    print(f"{message} ({time.monotonic() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
