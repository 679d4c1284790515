"""Identity lives in one package below the API: the domain (identity included) never imports the API
layer, identity knows nothing of HTTP frameworks, and no import hides inside a function (a late import is
how the old cycle between assistant/api/auth.py and keycloak_auth.py went unnoticed)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ASSISTANT = Path(__file__).resolve().parents[2] / "assistant"
ADAPTERS = ("api", "web", "cli")  # the layers allowed to import assistant.api
DOMAIN = sorted(p for p in ASSISTANT.rglob("*.py") if p.relative_to(ASSISTANT).parts[0] not in ADAPTERS)
IDENTITY = sorted((ASSISTANT / "identity").rglob("*.py"))


def imports(path: Path, nested_only: bool = False) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = ast.walk(tree) if not nested_only else (
        node for function in ast.walk(tree) if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef)
        for node in ast.walk(function))
    found = []
    for node in nodes:
        if isinstance(node, ast.ImportFrom) and node.module:
            found.append(node.module)
        elif isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
    return found


@pytest.mark.parametrize("path", DOMAIN, ids=lambda p: str(p.relative_to(ASSISTANT)))
def test_domain_never_imports_the_api_layer(path: Path) -> None:
    assert not [name for name in imports(path) if name.startswith("assistant.api")]


@pytest.mark.parametrize("path", IDENTITY, ids=lambda p: str(p.relative_to(ASSISTANT)))
def test_identity_knows_no_http_framework_and_hides_no_import(path: Path) -> None:
    assert not [name for name in imports(path) if name.split(".")[0] in ("fastapi", "starlette")]
    assert not [name for name in imports(path, nested_only=True) if name.startswith("assistant")]


def test_the_api_authentication_adapter_hides_no_import() -> None:
    for name in ("auth.py", "intake.py", "deps.py", "routes/auth.py"):
        assert not [m for m in imports(ASSISTANT / "api" / name, nested_only=True) if m.startswith("assistant")]
