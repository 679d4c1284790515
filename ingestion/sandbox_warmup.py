"""Imported by the parsing forkserver only (`ingestion.sandbox` preloads it): loads what every parse would
otherwise load again in each child, so that each child inherits it from the fork.

Without it, every child loads the French tagger and unstructured's lazy state on its first (and only)
parse: about 0.5 s of CPU per file, more than parsing a typical text document takes. The forkserver is
a process of its own, started for parsing, so loading here costs the caller nothing.
"""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path

from ingestion.french import french_sentence_pipeline, french_tagger, install_french_nlp
from ingestion.parsers import ParseOptions, parse_file

_SAMPLES = {
    "sample.md": "# Horaires\n\nLa mairie est ouverte du lundi au vendredi.\n\n- accueil\n- état civil\n",
    "sample.txt": "Horaires de la piscine\n\nLe bassin est ouvert le samedi matin.\n",
    "sample.html": "<html><body><h1>Tarifs</h1><p>L'entrée coûte 4 euros.</p></body></html>",
}


def _warm_up() -> None:
    install_french_nlp()
    french_sentence_pipeline()
    french_tagger()
    options = ParseOptions(ocr_languages="fra", ocr_min_chars_per_page=20, max_file_mb=1)
    with tempfile.TemporaryDirectory(prefix="parse-warmup-") as folder:
        for name, text in _SAMPLES.items():
            path = Path(folder) / name
            path.write_text(text, encoding="utf-8")
            parse_file(path, options)


# An optimisation only: the forkserver must start whatever happens (each child then loads on its own).
with contextlib.suppress(Exception):
    _warm_up()
