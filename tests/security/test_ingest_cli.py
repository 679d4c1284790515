"""Who may read a collection, as `assistant ingest` and `assistant collections set-groups` decide it, through
the real CLI (typer's CliRunner, real stores, the bundled e5 model): opening one to every agent is explicit."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from assistant.cli.app import app, register_commands
from assistant.config import load_settings
from assistant.principal import Principal
from assistant.runtime import Runtime
from tests.fixtures import documents as fixtures

pytestmark = pytest.mark.integration


class Cli:
    def __init__(self, tmp_path: Path, overlay: str = "") -> None:
        register_commands()
        self.env = {"ASSISTANT_DATA_DIR": str(tmp_path / "data"), "COLUMNS": "1000"}
        if overlay:
            (tmp_path / "overlay.yaml").write_text(overlay, encoding="utf-8")
            self.env["ASSISTANT_CONFIG"] = str(tmp_path / "overlay.yaml")
        self.docs = tmp_path / "docs"
        self.docs.mkdir()
        fixtures.write_txt(self.docs)

    def run(self, *args: str) -> Result:
        return CliRunner().invoke(app, list(args), env=self.env)

    def ingest(self, *options: str) -> Result:
        return self.run("ingest", str(self.docs), "--collection", "dossiers", "--inline", *options)

    def groups(self) -> list[str] | None:
        runtime = Runtime(load_settings(environ=self.env))
        try:
            row = runtime.knowledge.catalog.collection("dossiers")
            return None if row is None else row.groups
        finally:
            runtime.close()


def output(result: Result) -> str:
    return " ".join(result.output.split())


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path)


def test_a_new_collection_needs_groups_or_public(cli: Cli) -> None:
    refused = cli.ingest()
    assert refused.exit_code == 2
    assert ("collection 'dossiers' does not exist yet: say who may read it with --groups g1,g2, or --public to "
            "let every agent read it") in output(refused)
    assert cli.groups() is None  # nothing was created
    assert cli.ingest("--public").exit_code == 0
    assert cli.groups() == []
    assert cli.ingest().exit_code == 0 and cli.groups() == []  # re-ingesting keeps it public


@pytest.mark.parametrize("value", ["", " , ", "/"])
def test_an_empty_groups_value_is_refused(cli: Cli, value: str) -> None:
    refused = cli.ingest("--groups", value)
    assert refused.exit_code == 2 and "--groups is empty" in output(refused) and "--public" in output(refused)
    assert cli.groups() is None


def test_ingest_never_changes_who_may_read_a_restricted_collection(cli: Cli) -> None:
    assert cli.ingest("--groups", "urbanisme").exit_code == 0
    assert cli.ingest("--groups", "/urbanisme").exit_code == 0  # the same groups
    assert cli.ingest().exit_code == 0  # no --groups: kept
    emptied = cli.ingest("--groups", "")  # used to make the collection readable by every agent
    assert emptied.exit_code == 2 and "--groups is empty" in output(emptied)
    for options in (["--public"], ["--groups", "urbanisme,rh"], ["--groups", "rh"]):
        refused = cli.ingest(*options)
        assert refused.exit_code == 2, options
        assert "Run `assistant collections set-groups dossiers ...` to change it" in output(refused)
    assert "is readable by groups urbanisme" in output(cli.ingest("--public"))
    assert cli.groups() == ["urbanisme"]
    runtime = Runtime(load_settings(environ=cli.env))
    try:
        hits = runtime.retrieval.search("budget primitif", Principal.of("paul", groups=[])).passages
        assert hits == []
        hits = runtime.retrieval.search("budget primitif", Principal.of("julien", groups=["urbanisme"])).passages
        assert hits and hits[0].source == "compte-rendu.txt"
    finally:
        runtime.close()


def test_public_and_groups_together_are_refused(cli: Cli) -> None:
    refused = cli.ingest("--public", "--groups", "rh")
    assert refused.exit_code == 2 and "--public and --groups contradict each other" in output(refused)


def test_configured_default_groups_apply_to_a_new_collection(tmp_path: Path) -> None:
    cli = Cli(tmp_path, "ingestion:\n  default_groups: [direction-generale]\n")
    assert cli.ingest().exit_code == 0
    assert cli.groups() == ["direction-generale"]


def test_set_groups_opens_a_collection_only_with_public(cli: Cli) -> None:
    assert cli.ingest("--groups", "urbanisme").exit_code == 0
    for args in (["dossiers", ""], ["dossiers"], ["dossiers", "rh", "--public"]):
        refused = cli.run("collections", "set-groups", *args)
        assert refused.exit_code == 2, args
    assert cli.groups() == ["urbanisme"]
    assert cli.run("collections", "set-groups", "dossiers", "rh,urbanisme").exit_code == 0
    assert cli.groups() == ["rh", "urbanisme"]
    opened = cli.run("collections", "set-groups", "dossiers", "--public")
    assert opened.exit_code == 0 and "dossiers: (every agent)" in opened.output
    assert cli.groups() == []
