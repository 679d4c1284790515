"""Qualification measured with the real bundled e5 model on the project's held-out requests (README figures).

What tuned the classifier (weights, default taxonomy keywords) is tests/eval/requests/tune*.jsonl; these tests
score only the held-out files.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli.app import app, register_commands
from assistant.requests.evaluation import EvaluationReport, evaluate, read_requests
from assistant.requests.factory import build_qualifier
from assistant.requests.qualifier import TaxonomyQualifier

pytestmark = [pytest.mark.integration, pytest.mark.eval]
EVAL_DIR = Path(__file__).parent / "requests"
DAYONE_ROUTED_FLOOR = 0.65  # measured: 0.68 routed, 29 % to review (README)
DAYONE_REVIEW_FLOOR = 0.32


def _settings(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from assistant.config import load_settings

    return load_settings(environ={"ASSISTANT_DATA_DIR": str(tmp_path_factory.mktemp("data"))})


@pytest.fixture(scope="module")
def default_qualifier(tmp_path_factory: pytest.TempPathFactory, e5_embeddings) -> TaxonomyQualifier:  # type: ignore[no-untyped-def]
    return build_qualifier(_settings(tmp_path_factory), e5_embeddings)


@pytest.fixture(scope="module")
def default_report(default_qualifier: TaxonomyQualifier) -> EvaluationReport:
    report = evaluate(default_qualifier.qualify, read_requests(EVAL_DIR / "heldout.jsonl", labelled=True),
                      default_qualifier.categories)
    print(json.dumps({k: v for k, v in report.as_dict().items() if k != "errors"}, ensure_ascii=False))
    return report


@pytest.fixture(scope="module")
def dayone_report(tmp_path_factory: pytest.TempPathFactory, e5_embeddings) -> EvaluationReport:  # type: ignore[no-untyped-def]
    qualifier = build_qualifier(_settings(tmp_path_factory), e5_embeddings,
                                taxonomy_path=EVAL_DIR / "dayone-taxonomy.yaml")
    report = evaluate(qualifier.qualify, read_requests(EVAL_DIR / "dayone-heldout.jsonl", labelled=True),
                      qualifier.categories)
    print(json.dumps({k: v for k, v in report.as_dict().items() if k != "errors"}, ensure_ascii=False))
    return report


def test_default_taxonomy_holds_its_measured_level(default_report: EvaluationReport) -> None:
    """What this release measured (README): a drop below it is a regression."""
    assert default_report.review_share <= 0.20
    assert default_report.routed_accuracy is not None and default_report.routed_accuracy >= 0.84
    assert default_report.urgent_recall is not None and default_report.urgent_recall >= 0.95


@pytest.mark.xfail(strict=True, reason="issue 11 target not reached yet (measured 0.86 routed): see README")
def test_default_taxonomy_reaches_the_issue_target(default_report: EvaluationReport) -> None:
    assert default_report.review_share <= 0.20
    assert default_report.routed_accuracy is not None and default_report.routed_accuracy >= 0.90


def test_day_one_taxonomy_holds_its_measured_level(dayone_report: EvaluationReport) -> None:
    assert dayone_report.review_share <= DAYONE_REVIEW_FLOOR
    assert dayone_report.routed_accuracy is not None and dayone_report.routed_accuracy >= DAYONE_ROUTED_FLOOR


@pytest.mark.xfail(strict=True, reason="issue 11 day-one target not reached yet (measured 0.68 routed, "
                   "29 % review): see README")
def test_day_one_taxonomy_reaches_the_issue_target(dayone_report: EvaluationReport) -> None:
    assert dayone_report.review_share <= 0.25
    assert dayone_report.routed_accuracy is not None and dayone_report.routed_accuracy >= 0.85


def test_no_email_or_phone_is_left_in_masked_text(default_qualifier: TaxonomyQualifier) -> None:
    email = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
    phone = re.compile(r"(?<![\d+])(?:\+33|0)\s?[1-9](?:[\s.\-]?\d{2}){4}(?!\d)")  # not inside a longer number
    items = [item for name in ("tune.jsonl", "heldout.jsonl") for item in read_requests(EVAL_DIR / name)]
    with_contacts = [item.text for item in items if email.search(item.text) or phone.search(item.text)]
    assert len(with_contacts) >= 15
    for text in with_contacts:
        masked = default_qualifier.mask(text)
        assert not email.search(masked) and not phone.search(masked), masked


def test_cli_qualify_json_and_errors(tmp_path: Path) -> None:
    register_commands()
    requests = tmp_path / "in.jsonl"
    requests.write_text(json.dumps({"text": "Lampadaire éteint rue Carnot, appelez le 06 12 34 56 78"}) + "\n"
                        + json.dumps({"text": "Fuite d'eau importante, l'eau jaillit du trottoir"}) + "\n")
    env = {"ASSISTANT_DATA_DIR": str(tmp_path / "data")}
    result = CliRunner().invoke(app, ["requests", "qualify", str(requests), "--json"], env=env)
    assert result.exit_code == 0, result.output
    first, second = (json.loads(line) for line in result.output.splitlines())
    assert first["category"] == "eclairage" and "[TÉLÉPHONE]" in first["masked_text"]
    assert second["urgent"] and second["category"] == "eau_assainissement"
    for key in ("service", "confidence", "needs_review", "urgency_reasons", "other_categories", "fields"):
        assert key in first
    requests.write_text('{"text": "ok"}\nnot json\n')
    failed = CliRunner().invoke(app, ["requests", "qualify", str(requests)], env=env)
    assert failed.exit_code == 1 and "line 2: not JSON" in " ".join(failed.output.split())
    wrong = tmp_path / "t.yaml"
    wrong.write_text("categories: []\n")
    refused = CliRunner().invoke(app, ["requests", "eval", "--requests", str(requests), "--taxonomy", str(wrong)],
                                 env=env)
    assert refused.exit_code == 1
