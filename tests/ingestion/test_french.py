"""French text through unstructured's classifier, with no network and no model download."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from ingestion.french import contains_french_verb, install_french_nlp
from tests.fixtures import documents as fixtures

REPO_ROOT = Path(__file__).resolve().parents[2]

# Runs in a fresh interpreter so that importing unstructured (whose import pings a telemetry
# endpoint) and the first classification (which downloads an English spaCy model when the French
# fix is missing) both happen with every connection attempt recorded and refused.
OFFLINE_SCRIPT = """
import json, socket, sys
from pathlib import Path

attempts = []

def refuse_connect(self, address, *args):
    attempts.append(repr(address))
    raise OSError("network disabled by the test")

def refuse_lookup(host, *args, **kwargs):
    attempts.append(repr(host))
    raise socket.gaierror("network disabled by the test")

socket.socket.connect = refuse_connect
socket.socket.connect_ex = refuse_connect
socket.getaddrinfo = refuse_lookup

from ingestion.parsers import ParseOptions, parse_file

results = {}
for name in sys.argv[1:]:
    document = parse_file(Path(name), ParseOptions())
    results[Path(name).suffix] = [[e.kind.value, e.text] for e in document.elements]
print(json.dumps({"attempts": attempts, "results": results}))
"""


def test_french_paragraphs_are_narrative_and_headings_titles_offline(tmp_path: Path) -> None:
    files = [fixtures.write_txt(tmp_path), fixtures.write_html(tmp_path), fixtures.write_markdown(tmp_path)]
    files += [fixtures.write_docx(tmp_path), fixtures.write_pptx(tmp_path)]  # their partitioners: no ping either
    completed = subprocess.run(
        [sys.executable, "-c", OFFLINE_SCRIPT, *map(str, files)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO_ROOT), "HOME": str(tmp_path)},
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    report = json.loads(completed.stdout.strip().splitlines()[-1])

    assert report["attempts"] == []
    kinds = {suffix: {text: kind for kind, text in elements} for suffix, elements in report["results"].items()}
    assert kinds[".txt"][fixtures.HEADING] == "title"
    assert kinds[".txt"][fixtures.SECOND_NARRATIVE] == "narrative"
    for suffix in (".html", ".md"):
        assert kinds[suffix]["Conseil municipal"] == "title"
        assert kinds[suffix]["Voirie"] == "title"
        assert kinds[suffix][fixtures.NARRATIVE] == "narrative"
        assert kinds[suffix][fixtures.SECOND_NARRATIVE] == "narrative"


def test_install_is_idempotent_and_points_unstructured_at_the_french_pipeline() -> None:
    install_french_nlp()
    install_french_nlp()
    from unstructured.nlp import tokenize
    from unstructured.partition import text_type

    assert text_type.contains_verb is contains_french_verb
    assert tokenize._get_nlp().lang == "fr"


def test_french_verbs_tell_sentences_from_headings() -> None:
    install_french_nlp()
    from unstructured.partition.text_type import is_possible_narrative_text, is_possible_title

    for sentence in ("La commune est grande.", "Les travaux commenceront en mars.", "Le maire a signé."):
        assert is_possible_narrative_text(sentence), sentence
    for heading in ("Ordre du jour", "Budget primitif 2024", "Délibération n° 2024-12 relative aux tarifs"):
        assert not is_possible_narrative_text(heading), heading
        assert is_possible_title(heading), heading
